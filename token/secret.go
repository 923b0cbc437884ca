package token

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
)

// What an HMAC secret must be. This is the one home of the rule: the config
// check that serve and validate -env run, and NewRing, both call
// CheckSecret.
//
// RFC 7518 (§3.2) wants an HS256 key of at least 256 bits. Length alone does
// not say that: 32 spaces are 32 bytes. CheckSecret cannot measure the
// entropy of a string it sees once, so it estimates it, pessimistically,
// and refuses what is clearly guessable — placeholders, repeated
// characters, short alphabets, runs like "0123…" and a phrase typed twice.
// It cannot tell a chosen passphrase from random text; a secret should come
// from NewSecret (anteroom keygen) or 32 bytes of crypto/rand in any
// encoding, all of which pass by a wide margin.
const (
	// MinSecretLen is the fewest bytes a secret may have: 32, the size of
	// the SHA-256 output, below which HS256 is weaker than it claims.
	MinSecretLen = 32
	// MinSecretDistinct is the fewest different byte values a secret may
	// hold. Random hex, the smallest alphabet in use, shows 12 or more of its
	// 16 digits in 64 characters; fewer than 10 means repeated characters or
	// a made-up alphabet.
	MinSecretDistinct = 10
	// MinSecretBits is the least estimated entropy, the strength of a
	// symmetric key that nobody can search. Over 500,000 draws each, the
	// lowest estimate for 32 random bytes was 171 in unpadded base64url
	// (what NewSecret prints), 182 in padded base64, 186 in hex and 137
	// raw. Fewer random bytes stretched to 32 characters fall short: 16 in
	// hex (at most 128 by this estimate) always, 24 in base64 about once in
	// 2,400 draws.
	MinSecretBits = 128

	// secretAnalysed bounds the bytes the estimate reads: its repeat search
	// is quadratic, and a secret whose first KiB is random is random enough.
	secretAnalysed = 1024
	// secretRepeat is the shortest stretch counted as a repeat of earlier
	// text: in random base64 a chance repeat of 3 bytes is rare, and in
	// random hex it costs a few bits, far from the margin.
	secretRepeat = 3
)

// ErrWeakSecret is wrapped by every error CheckSecret returns.
var ErrWeakSecret = errors.New("token: weak secret")

// weakSecretError says why a secret was refused and how to get a good one.
// It never holds the secret.
type weakSecretError struct{ why string }

func (e *weakSecretError) Error() string {
	return e.why + "; generate one with anteroom keygen"
}

func (e *weakSecretError) Unwrap() error { return ErrWeakSecret }

// CheckSecret reports why s is too weak to sign tokens, nil if it is not.
// The error wraps ErrWeakSecret and reads after "secret …:", e.g. "only 1
// different byte value, at least 10 needed; generate one with anteroom
// keygen".
//
// The rule: at least MinSecretLen bytes, at least MinSecretDistinct
// different byte values, and an estimated entropy (see secretBits) of at
// least MinSecretBits.
func CheckSecret(s []byte) error {
	if len(s) < MinSecretLen {
		return &weakSecretError{fmt.Sprintf("%d bytes, at least %d needed", len(s), MinSecretLen)}
	}
	if n := distinct(s); n < MinSecretDistinct {
		values := "values"
		if n == 1 {
			values = "value"
		}
		return &weakSecretError{fmt.Sprintf("only %d different byte %s, at least %d needed: repeated characters and short alphabets are easy to guess", n, values, MinSecretDistinct)}
	}
	if bits := secretBits(s); bits < MinSecretBits {
		return &weakSecretError{fmt.Sprintf("about %d bits of entropy, at least %d needed: it repeats itself, follows a pattern or is short for its alphabet (32 random bytes are 64 hex digits or 43 base64 characters)", int(bits), MinSecretBits)}
	}
	return nil
}

// NewSecret returns 32 bytes from crypto/rand in unpadded base64url: a
// secret for keys.secret_env that CheckSecret always accepts.
func NewSecret() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails; see crypto/rand.Read
	return base64.RawURLEncoding.EncodeToString(b)
}

// secretBits estimates the entropy of s in bits as
//
//	bits per byte × bytes that are not repeats.
//
// Bits per byte is the Shannon entropy of the frequencies of the byte values
// or of the steps between neighbouring bytes, whichever is less: "0123456789"
// has ten values but one step, "abab" two values and two steps. Reading s
// from the start, a stretch of secretRepeat or more bytes that also starts
// earlier in s counts as one byte, so "passwordpassword" counts 9. Both parts
// come out low for small samples, so the estimate errs towards refusing.
// Only the first secretAnalysed bytes are read.
func secretBits(s []byte) float64 {
	if len(s) > secretAnalysed {
		s = s[:secretAnalysed]
	}
	if len(s) < 2 {
		return 0
	}
	var values, steps [256]int
	values[s[0]]++
	for i := 1; i < len(s); i++ {
		values[s[i]]++
		steps[s[i]-s[i-1]]++
	}
	perByte := min(shannon(&values, len(s)), shannon(&steps, len(s)-1))
	return perByte * float64(unrepeated(s))
}

// shannon is the entropy in bits of the distribution counts/n.
func shannon(counts *[256]int, n int) float64 {
	h := 0.0
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / float64(n)
			h -= p * math.Log2(p)
		}
	}
	return h
}

// unrepeated parses s greedily from the start into single bytes and
// repeats (the longest stretch of at least secretRepeat bytes that also
// starts earlier, overlapping allowed, as LZ77 does) and counts the pieces.
func unrepeated(s []byte) int {
	pieces := 0
	for i := 0; i < len(s); pieces++ {
		longest := 0
		for j := 0; j < i && longest < len(s)-i; j++ {
			n := 0
			for i+n < len(s) && s[j+n] == s[i+n] {
				n++
			}
			longest = max(longest, n)
		}
		if longest >= secretRepeat {
			i += longest
		} else {
			i++
		}
	}
	return pieces
}

func distinct(s []byte) int {
	var seen [256]bool
	n := 0
	for _, b := range s {
		if !seen[b] {
			seen[b] = true
			n++
		}
	}
	return n
}
