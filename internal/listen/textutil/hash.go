package textutil

// FNV-1a, 32 bits: cheap, stable across platforms and Go versions, which the
// model files depend on.
const (
	offset32 = 2166136261
	prime32  = 16777619
)

// Hash returns the FNV-1a hash of b in namespace ns, so that a word and a
// character n-gram with the same bytes land in different buckets.
func Hash(ns byte, b []byte) uint32 {
	h := uint32(offset32)
	h ^= uint32(ns)
	h *= prime32
	for _, c := range b {
		h ^= uint32(c)
		h *= prime32
	}
	return h
}

// HashString is Hash for a string.
func HashString(ns byte, s string) uint32 {
	h := uint32(offset32)
	h ^= uint32(ns)
	h *= prime32
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= prime32
	}
	return h
}

// Mix combines two hashes into the hash of a pair (word bigrams).
func Mix(a, b uint32) uint32 {
	h := a*0x9E3779B1 ^ b
	h ^= h >> 15
	h *= 0x85EBCA77
	h ^= h >> 13
	return h
}

// AppendCharNGrams appends to dst the hash of every byte n-gram of
// " "+w+" " for n in [lo, hi], in namespace ns. Byte n-grams cut through
// multi-byte runes at the edges, which costs nothing in accuracy and keeps
// it fast.
func AppendCharNGrams(dst []uint32, ns byte, w []byte, lo, hi int) []uint32 {
	n := len(w) + 2
	for i := 0; i < n; i++ {
		h := uint32(offset32)
		h ^= uint32(ns)
		h *= prime32
		for k := 0; k < hi && i+k < n; k++ {
			var c byte = ' '
			if j := i + k - 1; j >= 0 && j < len(w) {
				c = w[j]
			}
			h ^= uint32(c)
			h *= prime32
			if k+1 >= lo {
				dst = append(dst, h^uint32(k+1)<<24)
			}
		}
	}
	return dst
}
