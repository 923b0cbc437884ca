package token

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Issuer is the "iss" of every token anteroom signs, and the only one it
// accepts.
const Issuer = "anteroom"

// MaxTokenLen bounds the input of every parser. Tokens anteroom signs are a
// few hundred bytes; anything longer is refused before it is decoded, so an
// attacker cannot make the gateway base64- and JSON-decode large cookies.
const MaxTokenLen = 1024

// Kind names one of the three kinds of token. Each has its own JWT header
// "typ" and audience, so a token of one kind is never accepted as another.
type Kind string

const (
	KindTicket   Kind = "ticket"   // typ "anteroom-ticket+jwt", aud "anteroom:ticket"
	KindSession  Kind = "session"  // typ "anteroom-session+jwt", aud "anteroom:session"
	KindPurchase Kind = "purchase" // typ "anteroom-purchase+jwt", aud "anteroom:purchase"
)

// kindSpec is everything the envelope of one kind must carry. The parser
// options that do not depend on the clock are built once, here.
type kindSpec struct {
	kind Kind
	typ  string
	aud  string
	alg  string
	opts []jwt.ParserOption

	// parser is opts with the clock fixed at parserClock, shared by every
	// verify: a jwt.Parser is not changed by parsing, so it is safe for
	// concurrent use, and building one per token (with a closure for its
	// clock) was a good part of an uncached parse.
	parser *jwt.Parser
}

// parserClock is the clock of the shared parsers: the zero time, no later
// than any clock a caller passes (verify builds a parser of its own for an
// earlier now). Every token valid at now passes golang-jwt's "exp" check at
// this clock, so verify then compares "exp" with now itself, as golang-jwt
// would have: valid while now is before exp, no leeway. That comparison is
// the only expiry check; TestParseRejects' expired cases and
// FuzzSharedParserMatchesPerCallParser guard it. ("nbf" needs no clock:
// anteroom refuses any token that has one.)
var parserClock = time.Time{}

var (
	ticketSpec   = newKindSpec(KindTicket, jwt.SigningMethodHS256.Alg())
	sessionSpec  = newKindSpec(KindSession, jwt.SigningMethodHS256.Alg())
	purchaseSpec = newKindSpec(KindPurchase, jwt.SigningMethodEdDSA.Alg())
)

func newKindSpec(k Kind, alg string) *kindSpec {
	s := &kindSpec{
		kind: k,
		typ:  "anteroom-" + string(k) + "+jwt",
		aud:  "anteroom:" + string(k),
		alg:  alg,
	}
	// "iat" is not checked against the clock: gateway nodes' clocks differ
	// a little, and "exp" already bounds a token's life.
	s.opts = []jwt.ParserOption{
		jwt.WithValidMethods([]string{alg}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuer(Issuer),
		jwt.WithAudience(s.aud),
		// One token, one spelling: padded or non-canonical base64 is refused,
		// which also keeps the caches keyed by the exact bytes honest.
		jwt.WithStrictDecoding(),
	}
	s.parser = jwt.NewParser(append(slices.Clip(s.opts), jwt.WithTimeFunc(func() time.Time { return parserClock }))...)
	return s
}

// keyfunc returns the jwt.Keyfunc for this kind: it refuses a foreign "typ"
// before any key is looked up, then finds the verification key by "kid".
// lookup returns the key already boxed in an interface so that verifying
// does not allocate a new box per token.
func (s *kindSpec) keyfunc(lookup func(kid string) (any, bool)) jwt.Keyfunc {
	return func(t *jwt.Token) (any, error) {
		if t.Header["typ"] != s.typ {
			return nil, ErrWrongKind
		}
		kid, ok := t.Header["kid"].(string)
		if !ok {
			return nil, ErrUnknownKey
		}
		key, ok := lookup(kid)
		if !ok {
			return nil, ErrUnknownKey
		}
		return key, nil
	}
}

// verify checks tok as a token of this kind at time now and decodes its
// claims into claims. The only error it returns is one of the sentinels.
func (s *kindSpec) verify(tok []byte, now time.Time, claims jwt.Claims, keyfunc jwt.Keyfunc) error {
	if len(tok) > MaxTokenLen {
		return ErrTooLong
	}
	if now.Before(parserClock) {
		return s.verifyAt(tok, now, claims, keyfunc)
	}
	t, err := s.parser.ParseWithClaims(string(tok), claims, keyfunc)
	// golang-jwt validates the claims only once the signature holds; at that
	// point a token expired at now is ErrExpired whatever else is wrong with
	// its claims, as classify would have it had the parser's clock been now.
	if err == nil || errors.Is(err, jwt.ErrTokenInvalidClaims) {
		if exp, _ := claims.GetExpirationTime(); exp != nil && !now.Before(exp.Time) {
			return ErrExpired
		}
	}
	if err != nil {
		return classify(t, err, s)
	}
	return nil
}

// verifyAt is verify with a parser built for this call, whose clock is now.
// verify uses it for a now before parserClock, which no real clock is.
func (s *kindSpec) verifyAt(tok []byte, now time.Time, claims jwt.Claims, keyfunc jwt.Keyfunc) error {
	opts := make([]jwt.ParserOption, len(s.opts), len(s.opts)+1)
	copy(opts, s.opts)
	opts = append(opts, jwt.WithTimeFunc(func() time.Time { return now }))
	t, err := jwt.NewParser(opts...).ParseWithClaims(string(tok), claims, keyfunc)
	if err != nil {
		return classify(t, err, s)
	}
	return nil
}

// sign builds and signs a token of this kind. claims must already be
// validated by the caller.
func (s *kindSpec) sign(method jwt.SigningMethod, key any, kid string, claims jwt.Claims) (string, error) {
	t := jwt.NewWithClaims(method, claims)
	t.Header["typ"] = s.typ
	t.Header["kid"] = kid
	out, err := t.SignedString(key)
	if err != nil {
		return "", fmt.Errorf("signing %s: %w", s.kind, err)
	}
	if len(out) > MaxTokenLen {
		// It could never be parsed back; fail here, where the cause (a very
		// long room name or id) is visible.
		return "", fmt.Errorf("signing %s: %w (%d bytes)", s.kind, ErrTooLong, len(out))
	}
	return out, nil
}

// numericDate converts t for a claim, leaving a zero time out of the token.
func numericDate(t time.Time) *jwt.NumericDate {
	if t.IsZero() {
		return nil
	}
	return jwt.NewNumericDate(t)
}

// timeOf is the inverse of numericDate.
func timeOf(d *jwt.NumericDate) time.Time {
	if d == nil {
		return time.Time{}
	}
	return d.Time
}
