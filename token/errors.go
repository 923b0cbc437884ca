package token

import (
	"errors"
	"fmt"

	"github.com/golang-jwt/jwt/v5"
)

// The sentinel errors every parse failure is reported as. They are returned
// as they are, never wrapped, so a flood of bad tokens costs no allocation
// for the error and callers can compare with errors.Is (or ==).
var (
	// ErrTooLong: the input is longer than MaxTokenLen; nothing was decoded.
	ErrTooLong = errors.New("token: too long")
	// ErrMalformed: not three canonical base64url segments of JSON, or a
	// claim of the wrong JSON type.
	ErrMalformed = errors.New("token: malformed")
	// ErrSignature: the signature does not match any key.
	ErrSignature = errors.New("token: bad signature")
	// ErrAlgorithm: the header names an algorithm other than the kind's own
	// (including "none"). It is a kind of ErrSignature, so a caller that only
	// checks ErrSignature also catches it.
	ErrAlgorithm = fmt.Errorf("%w: unexpected algorithm", ErrSignature)
	// ErrUnknownKey: the "kid" header is missing or names no key we hold,
	// typically a token signed with a secret that has since been retired.
	ErrUnknownKey = errors.New("token: unknown key id")
	// ErrWrongKind: the "typ" header or the audience belongs to another kind
	// of token (a session offered as a ticket, a purchase token as a session).
	ErrWrongKind = errors.New("token: wrong kind")
	// ErrExpired: "exp" is not after the time of the check.
	ErrExpired = errors.New("token: expired")
	// ErrInvalidClaims: a claim is missing or wrong: no "exp", a foreign
	// issuer, an empty room, ticket number 0, an "nbf" (never issued), …
	ErrInvalidClaims = errors.New("token: invalid claims")
)

// Claim errors carry the detail for Sign callers and wrap ErrInvalidClaims.
// They are built once so that Validate, which runs on every uncached parse,
// does not allocate.
var (
	errNoRoom    = fmt.Errorf("%w: room is empty", ErrInvalidClaims)
	errNoNumber  = fmt.Errorf("%w: ticket number is 0", ErrInvalidClaims)
	errNoDevice  = fmt.Errorf("%w: device is empty", ErrInvalidClaims)
	errNoSession = fmt.Errorf("%w: session id is empty", ErrInvalidClaims)
	errSubject   = fmt.Errorf("%w: sub does not match sid", ErrInvalidClaims)
	errNoHold    = fmt.Errorf("%w: hold id is empty", ErrInvalidClaims)
	errNoExpiry  = fmt.Errorf("%w: expiry is zero", ErrInvalidClaims)
	errNotBefore = fmt.Errorf("%w: nbf is not issued by anteroom", ErrInvalidClaims)
	errAudience  = fmt.Errorf("%w: more than one audience", ErrInvalidClaims)
)

// classify maps what golang-jwt returned to one sentinel. The order matters
// where a token is wrong in several ways: a token of another kind is reported
// as ErrWrongKind even though its algorithm or key would also be refused,
// because that is the mistake a caller can act on.
func classify(t *jwt.Token, err error, s *kindSpec) error {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return ErrMalformed
	case t != nil && t.Header != nil && t.Header["typ"] != s.typ:
		return ErrWrongKind
	case t != nil && (t.Method == nil || t.Method.Alg() != s.alg):
		return ErrAlgorithm
	case t == nil:
		return ErrMalformed
	case errors.Is(err, ErrUnknownKey):
		return ErrUnknownKey
	case errors.Is(err, ErrWrongKind):
		return ErrWrongKind
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return ErrSignature
	case errors.Is(err, jwt.ErrTokenExpired):
		return ErrExpired
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return ErrWrongKind
	default:
		return ErrInvalidClaims
	}
}
