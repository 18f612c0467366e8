# Independent reference values for the train unit tests (data order,
# SplitMix64, Fashion-MNIST sample leaves), computed from the documented
# definitions with Python's hashlib only. Run: python3 reference_values.py
import gzip, hashlib, struct
M=2**64-1
G=0x9E3779B97F4A7C15
def mix(z):
    z=((z^(z>>30))*0xBF58476D1CE4E5B9)&M
    z=((z^(z>>27))*0x94D049BB133111EB)&M
    return z^(z>>31)
class SM:
    def __init__(s,seed): s.s=seed&M
    def next(s):
        s.s=(s.s+G)&M; return mix(s.s)
    def below(s,n):
        t=(2**64-n)%n
        while True:
            r=s.next()
            if r>=t: return r%n
def derive_idx(seed,i): return mix(seed ^ mix((i+G)&M))
def perm(seed,e,n):
    p=list(range(n)); g=SM(derive_idx(seed,e))
    for i in range(n,1,-1):
        j=g.below(i); p[i-1],p[j]=p[j],p[i-1]
    return p
def batch(seed,step,bs,n):
    out=[]
    for pos in range(step*bs,step*bs+bs):
        out.append(perm(seed,pos//n,n)[pos%n])
    return out
g=SM(0); print("sm0", [hex(g.next()) for _ in range(3)])
print("batch(42, 3, 5, 7)", batch(42,3,5,7))
print("batch(7, 0, 10, 10)", batch(7,0,10,10))
print("batch(123456789, 1000, 4, 1000)", batch(123456789,1000,4,1000))
# fashion mnist leaves
img=gzip.open('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz').read()
lab=gzip.open('/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz').read()
def leaf(i):
    return hashlib.sha256(b'\x00'+struct.pack('<Q',i)+lab[8+i:9+i]+img[16+784*i:16+784*(i+1)]).digest()
l=[leaf(i) for i in range(3)]
node=lambda a,b: hashlib.sha256(b'\x01'+a+b).digest()
print("leaf0", l[0].hex())
print("root3", node(node(l[0],l[1]),l[2]).hex())
print("labels first 5", list(lab[8:13]))
