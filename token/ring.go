package token

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Ring is an HMAC-SHA256 key ring for tickets and sessions. The first secret
// signs and every secret verifies, so an operator rotates by putting the new
// secret first and keeping the old one until the tokens it signed expire.
// Each key is named in the token's "kid" header by the first 8 bytes of the
// SHA-256 of the secret, in hex, so verifying tries exactly one key.
//
// A Ring is immutable and safe for concurrent use.
type Ring struct {
	kid  string
	key  []byte
	keys map[string]any // kid → []byte, boxed once for jwt.Keyfunc

	ticketKeys  jwt.Keyfunc
	sessionKeys jwt.Keyfunc

	// What signing with key needs (sign.go): the first segment of each
	// kind's tokens, and scratch space with an HMAC keyed with key.
	ticketHead  string
	sessionHead string
	signBufs    sync.Pool // *signBuf
}

// NewRing returns a ring whose first secret signs. It fails if no secret is
// given or CheckSecret refuses any, so a guessable secret never signs
// whatever the caller checked. A secret given twice counts once. The
// secrets are copied.
func NewRing(secrets ...[]byte) (*Ring, error) {
	if len(secrets) == 0 {
		return nil, errors.New("token: key ring: no secret")
	}
	r := &Ring{keys: make(map[string]any, len(secrets))}
	for i, s := range secrets {
		if err := CheckSecret(s); err != nil {
			return nil, fmt.Errorf("token: key ring: secret %d is weak: %w", i, err)
		}
		kid := keyID(s)
		if _, dup := r.keys[kid]; dup {
			continue
		}
		key := append([]byte(nil), s...)
		r.keys[kid] = key
		if i == 0 {
			r.kid, r.key = kid, key
		}
	}
	lookup := func(kid string) (any, bool) {
		k, ok := r.keys[kid]
		return k, ok
	}
	r.ticketKeys = ticketSpec.keyfunc(lookup)
	r.sessionKeys = sessionSpec.keyfunc(lookup)
	r.ticketHead = hs256Header(ticketSpec, r.kid)
	r.sessionHead = hs256Header(sessionSpec, r.kid)
	key := r.key
	r.signBufs.New = func() any { return newSignBuf(key) }
	return r, nil
}

// keyID names a key by a hash of it, so the kid reveals nothing usable.
func keyID(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// KeyID is the kid of the signing secret, for logs and metrics.
func (r *Ring) KeyID() string { return r.kid }

// SignTicket signs t. Room, Device, a Number from 1 and Expires are required.
func (r *Ring) SignTicket(t Ticket) (string, error) {
	if err := t.validate(); err != nil {
		return "", fmt.Errorf("signing ticket: %w", err)
	}
	b := r.getSignBuf()
	b.claims = appendTicketClaims(b.claims[:0], &t)
	tok, err := signHS256(KindTicket, r.ticketHead, b)
	r.putSignBuf(b)
	return tok, err
}

// SignSession signs s. Room, ID and Expires are required.
func (r *Ring) SignSession(s Session) (string, error) {
	if err := s.validate(); err != nil {
		return "", fmt.Errorf("signing session: %w", err)
	}
	b := r.getSignBuf()
	b.claims = appendSessionClaims(b.claims[:0], &s)
	tok, err := signHS256(KindSession, r.sessionHead, b)
	r.putSignBuf(b)
	return tok, err
}

// ParseTicket verifies tok as a ticket valid at now. Any error is one of the
// package's sentinel errors. On the hot path use a TicketCache instead.
func (r *Ring) ParseTicket(tok []byte, now time.Time) (Ticket, error) {
	var c ticketClaims
	if err := ticketSpec.verify(tok, now, &c, r.ticketKeys); err != nil {
		return Ticket{}, err
	}
	return c.ticket(), nil
}

// ParseSession verifies tok as a session valid at now. Any error is one of
// the package's sentinel errors. On the hot path use a SessionCache instead.
func (r *Ring) ParseSession(tok []byte, now time.Time) (Session, error) {
	var c sessionClaims
	if err := sessionSpec.verify(tok, now, &c, r.sessionKeys); err != nil {
		return Session{}, err
	}
	return c.session(), nil
}
