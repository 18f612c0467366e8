// Checkpoint transfer over tcp loopback: ZeroMQ (ROUTER to DEALER, as the
// solver serves checkpoints to verifiers) against a plain TCP socket
// carrying the same bytes, measured in the same binary.
//
//  - BM_TcpCopy: the reference. A writer thread write()s the checkpoint's
//    tensor bytes (from the mapped file) to a connected socket; the reader
//    read()s them into one preallocated buffer: the kernel's two copies and
//    nothing else.
//  - BM_ZmqTransfer: the tensor frames of the mapped checkpoint, sent as
//    zero-copy ZeroMQ messages (SendFrames: the frames borrow the mapping)
//    and received whole; each side has its own context and I/O thread, as
//    the solver and verifier processes do.
//  - BM_TransferRatio: both in every iteration, alternating, for the
//    target's ratio.
//  - BM_ZmqFetch: the whole serving path on top (Fetcher): the solver reads
//    the checkpoint (VerifiedCheckpoints: hashed in full on the first read
//    only), packs it with the manifest's tensor hashes and signs the header
//    (Messenger::Send); the verifier receives and checks it
//    (Messenger::Receive: limits, signature, each tensor frame against its
//    hash, on one thread here), takes the state hash from those hashes and
//    views the tensors in LibTorch without a copy (ViewState).
//  - BM_FetchRatio: a TCP copy and a whole fetch in every iteration,
//    alternating: the fetch's throughput over the copy's, with the
//    verifier hashing the received tensor frames on 1 or 2 threads, and
//    also at the large job's state size (113.7 MB,
//    scenarios/large/transformer-100mb.json).
//
// The fetches run with the C allocator tuned as a verifier process tunes
// it (TuneAllocatorForTraining, through ApplyHardwareProfile at start):
// freed message buffers are reused rather than unmapped, so a fetch does
// not page-fault its receive buffers in afresh.
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "core/crypto/identity.h"
#include "core/state/checkpoint_file.h"
#include "core/state/state_hash.h"
#include "core/state/verified_checkpoints.h"
#include "core/train/allocator_tuning.h"
#include "core/train/torch_bridge.h"
#include "core/transport/messenger.h"
#include "core/transport/zmq_frames.h"
#include "core/util/fd_io.h"
#include "core/wire/messages/all.h"
#include "tests/bench/bench_util.h"

namespace veritrain::bench {
namespace {

void TransferSizes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"bytes"});
  for (int64_t mib : {1, 8, 64}) b->Arg(mib << 20);
}

// A checkpoint of `bytes` tensor bytes written to a scratch directory and
// read back: its tensors are views into the mapped file.
struct MappedCheckpoint {
  ScratchDir dir;
  std::string path;
  Checkpoint ckpt;
  int64_t bytes = 0;
};

Status MakeMappedCheckpoint(int64_t bytes, MappedCheckpoint* out) {
  out->path = out->dir.path() + "/c.vtc";
  VT_RETURN_IF_ERROR(WriteCheckpoint(out->path, SyntheticState(bytes, 8),
                                     nlohmann::json::object()));
  VT_ASSIGN_OR_RETURN(out->ckpt, ReadCheckpoint(out->path));
  out->bytes = StateBytes(out->ckpt.state);
  return Status::Ok();
}

// ----------------------------------------------------------------- TCP

// A connected loopback pair: `server` accepted, `client` connected.
Status TcpPair(int* server, int* client) {
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener < 0)
    return Status::IOError(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listener, 1) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(listener);
    return Status::IOError(std::string("bind/listen: ") + std::strerror(errno));
  }
  *client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (*client < 0 || ::connect(*client, reinterpret_cast<sockaddr*>(&addr),
                               sizeof(addr)) != 0) {
    ::close(listener);
    return Status::IOError(std::string("connect: ") + std::strerror(errno));
  }
  *server = ::accept(listener, nullptr, nullptr);
  ::close(listener);
  if (*server < 0)
    return Status::IOError(std::string("accept: ") + std::strerror(errno));
  return Status::Ok();
}

// The reference copy: a writer thread sends the whole checkpoint for every
// request byte; Copy() asks for one and reads it into a buffer.
class TcpCopier {
 public:
  explicit TcpCopier(const State& tensors) : tensors_(tensors) {}
  ~TcpCopier() {
    if (client_ >= 0) ::shutdown(client_, SHUT_WR);
    if (writer_.joinable()) writer_.join();
    if (client_ >= 0) ::close(client_);
    if (server_ >= 0) ::close(server_);
  }
  Status Start() {
    VT_RETURN_IF_ERROR(TcpPair(&server_, &client_));
    size_t bytes = 0;
    for (const TensorData& t : tensors_) bytes += t.bytes.size();
    buffer_.resize(bytes);
    writer_ = std::thread([this] {
      char request;
      while (ReadAll(server_, &request, 1)) {
        for (const TensorData& t : tensors_) {
          if (!WriteAll(server_, t.bytes.data(), t.bytes.size())) return;
        }
      }
    });
    return Status::Ok();
  }
  Status Copy() {
    const char request = 1;
    if (!WriteAll(client_, &request, 1) ||
        !ReadAll(client_, buffer_.data(), buffer_.size())) {
      return Status::IOError("tcp copy failed");
    }
    benchmark::ClobberMemory();
    return Status::Ok();
  }

 private:
  const State& tensors_;
  int server_ = -1, client_ = -1;
  std::vector<char> buffer_;
  std::thread writer_;
};

void BM_TcpCopy(benchmark::State& state) {
  MappedCheckpoint m;
  if (!Check(state, MakeMappedCheckpoint(state.range(0), &m))) return;
  TcpCopier tcp(m.ckpt.state);
  if (!Check(state, tcp.Start())) return;
  for (auto _ : state) {
    if (!Check(state, tcp.Copy())) return;
  }
  state.SetBytesProcessed(state.iterations() * m.bytes);
}
BENCHMARK(BM_TcpCopy)
    ->Apply(TransferSizes)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// ----------------------------------------------------------------- ZeroMQ

// A ROUTER bound on tcp://127.0.0.1:* in one context and a DEALER connected
// to it from another, with the router knowing the dealer's routing id.
struct ZmqPair {
  zmq::context_t server_ctx{1};
  zmq::context_t client_ctx{1};
  zmq::socket_t router{server_ctx, zmq::socket_type::router};
  zmq::socket_t dealer{client_ctx, zmq::socket_type::dealer};
  std::string routing_id;
};

// Blocks until `socket` has a message, up to 10 s.
Status WaitReadable(zmq::socket_t& socket) {
  zmq::pollitem_t item = {socket.handle(), 0, ZMQ_POLLIN, 0};
  VT_ASSIGN_OR_RETURN(int ready,
                      PollSockets(&item, 1, std::chrono::seconds(10)));
  if (ready == 0) return Status::Timeout("no message within 10 s");
  return Status::Ok();
}

Status Connect(ZmqPair* p) {
  ConfigureSocket(p->router);
  ConfigureSocket(p->dealer);
  VT_ASSIGN_OR_RETURN(std::string endpoint,
                      BindSocket(p->router, "tcp://127.0.0.1:*"));
  p->dealer.connect(endpoint);
  VT_RETURN_IF_ERROR(SendFrames(p->dealer, {Bytes::Copy("hi", 2)}));
  VT_RETURN_IF_ERROR(WaitReadable(p->router));
  VT_ASSIGN_OR_RETURN(ReceivedFrames hello,
                      RecvFrames(p->router, /*router=*/true, 4));
  p->routing_id = hello.routing_id;
  return Status::Ok();
}

// The tensor frames of `tensors` sent zero-copy from the router and
// received whole by the dealer.
Status ZmqTransfer(ZmqPair& p, const std::vector<Bytes>& frames) {
  VT_RETURN_IF_ERROR(SendFrames(p.router, frames, &p.routing_id));
  VT_RETURN_IF_ERROR(WaitReadable(p.dealer));
  VT_ASSIGN_OR_RETURN(ReceivedFrames got,
                      RecvFrames(p.dealer, /*router=*/false, 4096));
  if (got.frames.size() != frames.size()) {
    return Status::Internal("frames lost");
  }
  return Status::Ok();
}

std::vector<Bytes> FramesOf(const State& tensors) {
  std::vector<Bytes> frames;
  for (const TensorData& t : tensors) frames.push_back(t.bytes);
  return frames;
}

void BM_ZmqTransfer(benchmark::State& state) {
  MappedCheckpoint m;
  if (!Check(state, MakeMappedCheckpoint(state.range(0), &m))) return;
  ZmqPair p;
  if (!Check(state, Connect(&p))) return;
  const std::vector<Bytes> frames = FramesOf(m.ckpt.state);
  for (auto _ : state) {
    if (!Check(state, ZmqTransfer(p, frames))) return;
  }
  state.SetBytesProcessed(state.iterations() * m.bytes);
}
BENCHMARK(BM_ZmqTransfer)
    ->Apply(TransferSizes)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// The target's ratio: a TCP copy and a ZeroMQ transfer of the same
// checkpoint in every iteration, in alternating order, so that both see
// the same machine. Counters: tcp_s, zmq_s, zmq_over_tcp (throughput).
void BM_TransferRatio(benchmark::State& state) {
  MappedCheckpoint m;
  if (!Check(state, MakeMappedCheckpoint(state.range(0), &m))) return;
  TcpCopier tcp(m.ckpt.state);
  if (!Check(state, tcp.Start())) return;
  ZmqPair p;
  if (!Check(state, Connect(&p))) return;
  const std::vector<Bytes> frames = FramesOf(m.ckpt.state);
  double tcp_s = 0, zmq_s = 0;
  int64_t round = 0;
  for (auto _ : state) {
    for (int part = 0; part < 2; ++part) {
      const bool do_tcp = (part == 0) == (round % 2 == 0);
      auto t0 = std::chrono::steady_clock::now();
      if (!Check(state, do_tcp ? tcp.Copy() : ZmqTransfer(p, frames))) return;
      const double s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
              .count();
      (do_tcp ? tcp_s : zmq_s) += s;
    }
    ++round;
  }
  const double n = static_cast<double>(state.iterations());
  state.counters["tcp_s"] = tcp_s / n;
  state.counters["zmq_s"] = zmq_s / n;
  state.counters["zmq_over_tcp"] = tcp_s / zmq_s;
  state.SetBytesProcessed(state.iterations() * 2 * m.bytes);
}
BENCHMARK(BM_TransferRatio)
    ->Apply(TransferSizes)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// One whole fetch as a verifier makes it: the solver reads the checkpoint
// and sends it signed; the verifier receives and checks it, recomputes the
// state hash and hands the tensors to LibTorch.
class Fetcher {
 public:
  // REQUIRES: hash_threads >= 1.
  Fetcher(const std::string& path, int hash_threads) : path_(path) {
    verifier_.set_hash_threads(hash_threads);
  }
  Status Start() {
    TuneAllocatorForTraining();  // as the verifier process has it
    return Connect(&pair_);
  }
  // Seconds spent in each part of the fetches so far, as the fetching
  // thread sees them: the solver reading and sending (serve), until the
  // whole message is readable (transfer), the verifier receiving and
  // checking it (check), and freeing the received message (release). The
  // transfer starts as soon as the message is queued, so on a machine with
  // fewer cores than busy threads, serve also holds the time the fetching
  // thread waits for a core while the I/O threads copy.
  struct Phases {
    double serve_s = 0, transfer_s = 0, check_s = 0, release_s = 0;
  };
  const Phases& phases() const { return phases_; }

  Status Fetch() {
    auto t = std::chrono::steady_clock::now();
    auto lap = [&t](double* into) {
      const auto now = std::chrono::steady_clock::now();
      *into += std::chrono::duration<double>(now - t).count();
      t = now;
    };
    VT_ASSIGN_OR_RETURN(Checkpoint ckpt, files_.Read(path_));
    CheckpointReply reply;
    reply.index = 1;
    reply.state_hash = ckpt.state_hash;
    reply.meta = ckpt.meta;
    reply.tensors = std::move(ckpt.state);
    reply.tensor_hashes = std::move(ckpt.tensor_hashes);
    VT_RETURN_IF_ERROR(
        solver_.Send(pair_.router, Pack(reply, "task-0001"), &pair_.routing_id));
    lap(&phases_.serve_s);
    VT_RETURN_IF_ERROR(WaitReadable(pair_.dealer));
    lap(&phases_.transfer_s);
    {
      VT_ASSIGN_OR_RETURN(Message m,
                          verifier_.Receive(pair_.dealer,
                                            /*router=*/false, guard_));
      VT_ASSIGN_OR_RETURN(CheckpointReply got, Unpack<CheckpointReply>(m));
      VT_ASSIGN_OR_RETURN(Digest hash, StateHashWithTensorHashes(
                                           got.tensors, got.tensor_hashes));
      if (hash != got.state_hash) return Status::Corruption("state hash");
      VT_ASSIGN_OR_RETURN(TensorMap state, ViewState(got.tensors));
      benchmark::DoNotOptimize(state.begin()->second.data_ptr());
      lap(&phases_.check_s);
    }
    lap(&phases_.release_s);
    return Status::Ok();
  }

 private:
  std::string path_;
  VerifiedCheckpoints files_;
  ZmqPair pair_;
  static KeyDirectory KeysOf(const Identity& solver) {
    KeyDirectory keys;
    keys.Add("solver-1", solver.public_key());
    return keys;
  }
  Identity solver_id_ = Identity::Generate();
  Messenger solver_{"solver-1", solver_id_, KeyDirectory()};
  Messenger verifier_{"verifier-1", Identity::Generate(), KeysOf(solver_id_)};
  ReplayGuard guard_;
  Phases phases_;
};

void BM_ZmqFetch(benchmark::State& state) {
  MappedCheckpoint m;
  if (!Check(state, MakeMappedCheckpoint(state.range(0), &m))) return;
  Fetcher fetcher(m.path, /*hash_threads=*/1);
  if (!Check(state, fetcher.Start())) return;
  for (auto _ : state) {
    if (!Check(state, fetcher.Fetch())) return;
  }
  state.SetBytesProcessed(state.iterations() * m.bytes);
}
BENCHMARK(BM_ZmqFetch)
    ->Apply(TransferSizes)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// The transfer sizes and the large job's state (113.7 MB), each with the
// verifier hashing on 1 and on 2 threads.
void FetchSizes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"bytes", "hash_threads"});
  for (int64_t bytes : {int64_t{1} << 20, int64_t{8} << 20, int64_t{64} << 20,
                        int64_t{113'700'000}}) {
    for (int64_t threads : {1, 2}) b->Args({bytes, threads});
  }
}

// A plain TCP copy and a whole fetch (Fetcher) of the same checkpoint in
// every iteration, in alternating order. Counters: tcp_s, fetch_s,
// fetch_over_tcp (throughput of the fetch over that of the copy), the
// fetch's parts (Fetcher::Phases): serve_s, transfer_s, check_s, release_s;
// the CPU seconds of each side's every thread (tcp_cpu_s, fetch_cpu_s) and
// fetch_bound_over_tcp, the best fetch_over_tcp that CPU work allows on
// this process's cores (a fetch cannot finish before its work is done).
void BM_FetchRatio(benchmark::State& state) {
  MappedCheckpoint m;
  if (!Check(state, MakeMappedCheckpoint(state.range(0), &m))) return;
  TcpCopier tcp(m.ckpt.state);
  if (!Check(state, tcp.Start())) return;
  Fetcher fetcher(m.path, static_cast<int>(state.range(1)));
  if (!Check(state, fetcher.Start())) return;
  double tcp_s = 0, fetch_s = 0, tcp_cpu = 0, fetch_cpu = 0;
  int64_t round = 0;
  for (auto _ : state) {
    for (int part = 0; part < 2; ++part) {
      const bool do_tcp = (part == 0) == (round % 2 == 0);
      const double cpu0 = ProcessCpu();
      auto t0 = std::chrono::steady_clock::now();
      if (!Check(state, do_tcp ? tcp.Copy() : fetcher.Fetch())) return;
      const double s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
              .count();
      (do_tcp ? tcp_s : fetch_s) += s;
      (do_tcp ? tcp_cpu : fetch_cpu) += ProcessCpu() - cpu0;
    }
    ++round;
  }
  const double n = static_cast<double>(state.iterations());
  const int cores = UsableCores();
  state.counters["tcp_s"] = tcp_s / n;
  state.counters["fetch_s"] = fetch_s / n;
  state.counters["fetch_over_tcp"] = tcp_s / fetch_s;
  // CPU over every thread of both sides (this process holds both), and the
  // ratio the fetch could reach at best if its CPU work were spread over
  // all `cores` with no wait: its floor on this machine.
  state.counters["tcp_cpu_s"] = tcp_cpu / n;
  state.counters["fetch_cpu_s"] = fetch_cpu / n;
  state.counters["cores"] = cores;
  state.counters["fetch_bound_over_tcp"] = tcp_s / (fetch_cpu / cores);
  state.counters["serve_s"] = fetcher.phases().serve_s / n;
  state.counters["transfer_s"] = fetcher.phases().transfer_s / n;
  state.counters["check_s"] = fetcher.phases().check_s / n;
  state.counters["release_s"] = fetcher.phases().release_s / n;
  state.SetBytesProcessed(state.iterations() * 2 * m.bytes);
}
BENCHMARK(BM_FetchRatio)
    ->Apply(FetchSizes)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace veritrain::bench
