package queue

// The pre-queue lottery needs a random order that costs no memory per ticket
// and that every gateway node computes alike from one shared seed: a keyed
// bijection on [0, n). A balanced Feistel network permutes the smallest
// power-of-four domain that holds n, and cycle-walking folds it back into
// [0, n) while keeping it a bijection.

const feistelRounds = 6

// permute maps x in [0, n) to its shuffled place in [0, n).
func permute(x, n, seed uint64) uint64 {
	bits := halfBits(n)
	for {
		x = feistel(x, bits, seed)
		if x < n {
			return x
		}
	}
}

// unpermute is permute's inverse.
func unpermute(y, n, seed uint64) uint64 {
	bits := halfBits(n)
	for {
		y = unfeistel(y, bits, seed)
		if y < n {
			return y
		}
	}
}

// halfBits is the width of each Feistel half for a domain holding n values.
func halfBits(n uint64) uint {
	var b uint = 1
	for b < 32 && uint64(1)<<(2*b) < n {
		b++
	}
	return b
}

func feistel(x uint64, bits uint, seed uint64) uint64 {
	mask := uint64(1)<<bits - 1
	l, r := x>>bits, x&mask
	for i := uint64(0); i < feistelRounds; i++ {
		l, r = r, l^(round(r, i, seed)&mask)
	}
	return l<<bits | r
}

func unfeistel(y uint64, bits uint, seed uint64) uint64 {
	mask := uint64(1)<<bits - 1
	l, r := y>>bits, y&mask
	for i := uint64(feistelRounds); i > 0; i-- {
		l, r = r^(round(l, i-1, seed)&mask), l
	}
	return l<<bits | r
}

// round is splitmix64 of the half, the round and the seed.
func round(v, i, seed uint64) uint64 {
	z := v + seed + (i+1)*0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}
