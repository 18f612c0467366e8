#include "core/util/helper_pool.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace veritrain {
namespace {

// How often each item ran.
std::vector<int> RunCounts(size_t count, size_t workers) {
  std::vector<std::atomic<int>> runs(count);
  RunShared(count, workers, [&](size_t k) { runs[k].fetch_add(1); });
  std::vector<int> out;
  for (auto& r : runs) out.push_back(r.load());
  return out;
}

TEST(HelperPoolTest, EveryItemRunsExactlyOnceForAnyCountAndWorkers) {
  for (size_t count : {0, 1, 2, 3, 7, 64, 1000}) {
    for (size_t workers : {0, 1, 2, 3, 8, 40}) {
      EXPECT_EQ(RunCounts(count, workers), std::vector<int>(count, 1))
          << count << " items, " << workers << " workers";
    }
  }
}

TEST(HelperPoolTest, OneWorkerRunsInOrderOnTheCallingThread) {
  std::vector<size_t> order;
  std::vector<std::thread::id> threads;
  RunShared(5, 1, [&](size_t k) {
    order.push_back(k);
    threads.push_back(std::this_thread::get_id());
  });
  EXPECT_EQ(order, (std::vector<size_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(threads, std::vector<std::thread::id>(5, std::this_thread::get_id()));
}

// Item 0 (the caller's, taken first) waits until item 1 has run: only a
// helper can run item 1 meanwhile. If none came within the bound, the
// caller would run item 1 itself after it, on its own thread.
TEST(HelperPoolTest, TwoWorkersRunItemsOnTwoThreadsAtOnce) {
  for (int call = 0; call < 20; ++call) {
    std::mutex mu;
    std::condition_variable cv;
    bool second_ran = false;
    bool second_before_first_ended = false;
    std::thread::id first_thread, second_thread;
    RunShared(2, 2, [&](size_t k) {
      std::unique_lock<std::mutex> lock(mu);
      if (k == 0) {
        first_thread = std::this_thread::get_id();
        second_before_first_ended = cv.wait_for(
            lock, std::chrono::seconds(20), [&] { return second_ran; });
      } else {
        second_thread = std::this_thread::get_id();
        second_ran = true;
        cv.notify_all();
      }
    });
    ASSERT_TRUE(second_before_first_ended) << "call " << call;
    EXPECT_NE(first_thread, second_thread) << "call " << call;
  }
}

TEST(HelperPoolTest, ConcurrentCallersShareTheHelpers) {
  constexpr int kCallers = 6;
  std::vector<std::vector<int>> got(kCallers);
  std::vector<std::thread> callers;
  for (int c = 0; c < kCallers; ++c) {
    callers.emplace_back([&got, c] {
      for (int round = 0; round < 50 && got[c].empty(); ++round) {
        std::vector<int> runs = RunCounts(100 + c, 4);
        if (runs != std::vector<int>(100 + c, 1)) got[c] = runs;
      }
    });
  }
  for (auto& t : callers) t.join();
  for (int c = 0; c < kCallers; ++c) EXPECT_TRUE(got[c].empty()) << "caller " << c;
}

// A child forked after the parent's helpers started has none of them: it
// must start its own (or work alone) rather than wait on the parent's.
TEST(HelperPoolTest, AForkedChildRunsItsOwnItems) {
  ASSERT_EQ(RunCounts(8, 4), std::vector<int>(8, 1));  // helpers started
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const bool ok = RunCounts(64, 4) == std::vector<int>(64, 1);
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(SharedTaskTest, RunsOnAHelperWhileTheCallerGoesOn) {
  if (std::thread::hardware_concurrency() < 2) GTEST_SKIP() << "one core";
  // The caller waits (bounded) for the task to have run before it calls
  // Wait(): only a helper can have run it meanwhile.
  for (int call = 0; call < 20; ++call) {
    std::mutex mu;
    std::condition_variable cv;
    bool ran = false;
    std::thread::id ran_on;
    SharedTask task(
        [&] {
          std::lock_guard<std::mutex> lock(mu);
          ran = true;
          ran_on = std::this_thread::get_id();
          cv.notify_all();
        },
        /*on_helper=*/true);
    bool ran_before_wait = false;
    {
      std::unique_lock<std::mutex> lock(mu);
      ran_before_wait = cv.wait_for(lock, std::chrono::seconds(20), [&] { return ran; });
    }
    task.Wait();
    ASSERT_TRUE(ran_before_wait) << "call " << call;
    EXPECT_NE(ran_on, std::this_thread::get_id());
  }
}

TEST(SharedTaskTest, WithoutAHelperWaitRunsItOnTheCaller) {
  int runs = 0;
  std::thread::id ran_on;
  SharedTask task(
      [&] {
        ++runs;
        ran_on = std::this_thread::get_id();
      },
      /*on_helper=*/false);
  EXPECT_EQ(runs, 0);  // nothing runs it before Wait()
  task.Wait();
  task.Wait();  // a second Wait() does not run it again
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(ran_on, std::this_thread::get_id());
}

TEST(SharedTaskTest, DestroyingATaskWaitsForIt) {
  for (int call = 0; call < 200; ++call) {
    std::atomic<int> runs{0};
    {
      SharedTask task([&] { runs.fetch_add(1); }, /*on_helper=*/call % 2 == 0);
    }
    ASSERT_EQ(runs.load(), 1) << "call " << call;
  }
}

// Many tasks at once, more than there are helpers: each runs exactly once,
// whether a helper or the caller takes it.
TEST(SharedTaskTest, ManyTasksEachRunOnce) {
  std::vector<std::atomic<int>> runs(100);
  {
    std::vector<std::unique_ptr<SharedTask>> tasks;
    for (size_t i = 0; i < runs.size(); ++i) {
      tasks.push_back(std::make_unique<SharedTask>([&runs, i] { runs[i].fetch_add(1); },
                                                   /*on_helper=*/true));
    }
    for (size_t i = 0; i < tasks.size(); i += 2) tasks[i]->Wait();
  }
  for (size_t i = 0; i < runs.size(); ++i) EXPECT_EQ(runs[i].load(), 1) << i;
}

}  // namespace
}  // namespace veritrain
