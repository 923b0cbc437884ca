package token

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash"
)

// Tickets and sessions are signed here rather than through golang-jwt: a
// flash-sale crowd is mostly arrivals without a cookie, each of which gets a
// freshly signed ticket, and golang-jwt spends some 40 allocations per token
// on a header map, reflection over the claims and a new HMAC. The header of
// a kind is fixed per ring and encoded once; the claims are appended by hand
// (claimsjson.go); the HMAC comes keyed from a pool. Verifying stays with
// golang-jwt.

// signBuf is the scratch space of one signing. It is pooled per Ring because
// its HMAC is keyed with that ring's signing secret.
type signBuf struct {
	mac    hash.Hash // HMAC-SHA256 keyed with Ring.key
	claims []byte    // the claims JSON
	out    []byte    // the token being built
	sum    [sha256.Size]byte
}

// hs256Header returns the first segment of every token of kind s signed
// with kid, followed by its ".". golang-jwt marshals its header map, so the
// keys come sorted: alg, kid, typ.
func hs256Header(s *kindSpec, kid string) string {
	h := []byte(`{"alg":`)
	h = appendJSONString(h, s.alg)
	h = append(h, `,"kid":`...)
	h = appendJSONString(h, kid)
	h = append(h, `,"typ":`...)
	h = appendJSONString(h, s.typ)
	h = append(h, '}')
	return base64.RawURLEncoding.EncodeToString(h) + "."
}

func newSignBuf(key []byte) *signBuf {
	return &signBuf{mac: hmac.New(sha256.New, key), out: make([]byte, 0, MaxTokenLen)}
}

func (r *Ring) getSignBuf() *signBuf { return r.signBufs.Get().(*signBuf) }

// putSignBuf returns b to the pool, without the memory an oversized claim
// made it grow: such a token was refused, and the next one is small again.
func (r *Ring) putSignBuf(b *signBuf) {
	if cap(b.claims) > MaxTokenLen {
		b.claims = nil
	}
	r.signBufs.Put(b)
}

// signHS256 completes the token whose claims JSON is in b.claims and whose
// header segment (with its ".") is head, and returns it as a new string.
// The length is known before anything is encoded, so a token too long to
// ever be parsed back costs no HMAC.
func signHS256(kind Kind, head string, b *signBuf) (string, error) {
	enc := base64.RawURLEncoding
	n := len(head) + enc.EncodedLen(len(b.claims)) + len(".") + enc.EncodedLen(sha256.Size)
	if n > MaxTokenLen {
		// It could never be parsed back; fail here, where the cause (a very
		// long room name or id) is visible.
		return "", fmt.Errorf("signing %s: %w (%d bytes)", kind, ErrTooLong, n)
	}
	out := append(b.out[:0], head...)
	out = enc.AppendEncode(out, b.claims)
	b.mac.Reset()
	b.mac.Write(out)
	sum := b.mac.Sum(b.sum[:0])
	out = append(out, '.')
	out = enc.AppendEncode(out, sum)
	b.out = out
	return string(out), nil
}

// validate makes the checks (*ticketClaims).Validate makes, in the same
// order, on a ticket about to be signed, without building its claims.
func (t *Ticket) validate() error {
	switch {
	case t.Room == "":
		return errNoRoom
	case t.Number == 0:
		return errNoNumber
	case t.Device == "":
		return errNoDevice
	case t.Expires.IsZero():
		return errNoExpiry
	}
	return nil
}

// validate is (*sessionClaims).Validate for a session about to be signed.
// "sub" is the id itself, so it cannot differ from "sid".
func (s *Session) validate() error {
	switch {
	case s.Room == "":
		return errNoRoom
	case s.ID == "":
		return errNoSession
	case s.Expires.IsZero():
		return errNoExpiry
	}
	return nil
}
