package token

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"maps"
	"testing"
	"time"
)

// t0 is the clock every test runs at; no test reads the wall clock.
var t0 = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

// secret returns a test secret named by b: the hex SHA-256 of b, so that it
// is fixed and passes CheckSecret as a random one would.
func secret(b byte) []byte {
	sum := sha256.Sum256([]byte{b})
	return []byte(hex.EncodeToString(sum[:]))
}

func mustRing(tb testing.TB, secrets ...[]byte) *Ring {
	tb.Helper()
	r, err := NewRing(secrets...)
	if err != nil {
		tb.Fatalf("NewRing: %v", err)
	}
	return r
}

// edKey returns a deterministic Ed25519 key made from b.
func edKey(b byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{b}, ed25519.SeedSize))
}

func mustSigner(tb testing.TB, keys ...ed25519.PrivateKey) *PurchaseSigner {
	tb.Helper()
	s, err := NewPurchaseSigner(keys...)
	if err != nil {
		tb.Fatalf("NewPurchaseSigner: %v", err)
	}
	return s
}

func sampleTicket() Ticket {
	return Ticket{Room: "ps5", Number: 42, Prequeue: true, Device: "9f86d081884c7d65", IssuedAt: t0, Expires: t0.Add(24 * time.Hour)}
}

func sampleSession() Session {
	return Session{Room: "ps5", ID: "c0ffee0123456789", IssuedAt: t0, Expires: t0.Add(5 * time.Minute)}
}

func samplePurchase() Purchase {
	return Purchase{Room: "ps5", HoldID: "hold-1", Session: "c0ffee0123456789", IssuedAt: t0, Expires: t0.Add(10 * time.Minute)}
}

func mustSign[T any](tb testing.TB, sign func(T) (string, error), v T) string {
	tb.Helper()
	tok, err := sign(v)
	if err != nil {
		tb.Fatalf("signing %+v: %v", v, err)
	}
	return tok
}

// Times come back truncated to the second and in another location; these
// put a value in the form a parse returns, so == compares what matters.
func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.Truncate(time.Second).UTC()
}

func normTicket(t Ticket) Ticket {
	t.IssuedAt, t.Expires = normTime(t.IssuedAt), normTime(t.Expires)
	return t
}

func normSession(s Session) Session {
	s.IssuedAt, s.Expires = normTime(s.IssuedAt), normTime(s.Expires)
	return s
}

func normPurchase(p Purchase) Purchase {
	p.IssuedAt, p.Expires = normTime(p.IssuedAt), normTime(p.Expires)
	return p
}

// craft builds a token from header and claims exactly as given and signs it
// with sign, bypassing every check of the Sign methods, so tests can make
// the tokens anteroom never issues.
func craft(tb testing.TB, header, claims map[string]any, sign func(input string) []byte) string {
	tb.Helper()
	h, err := json.Marshal(header)
	if err != nil {
		tb.Fatal(err)
	}
	c, err := json.Marshal(claims)
	if err != nil {
		tb.Fatal(err)
	}
	enc := base64.RawURLEncoding
	input := enc.EncodeToString(h) + "." + enc.EncodeToString(c)
	return input + "." + enc.EncodeToString(sign(input))
}

func hs256(key []byte) func(string) []byte {
	return func(in string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(in))
		return m.Sum(nil)
	}
}

func hs384(key []byte) func(string) []byte {
	return func(in string) []byte {
		m := hmac.New(sha512.New384, key)
		m.Write([]byte(in))
		return m.Sum(nil)
	}
}

func edSign(k ed25519.PrivateKey) func(string) []byte {
	return func(in string) []byte { return ed25519.Sign(k, []byte(in)) }
}

func noSig(string) []byte { return nil }

func fakeSig(string) []byte { return bytes.Repeat([]byte{7}, 256) }

// header and claims maps of a valid token of each kind, to be altered with with.
func header(kind Kind, alg, kid string) map[string]any {
	return map[string]any{"alg": alg, "typ": "anteroom-" + string(kind) + "+jwt", "kid": kid}
}

func ticketMap() map[string]any {
	return map[string]any{
		"iss": Issuer, "aud": []string{"anteroom:ticket"},
		"room": "ps5", "n": 42, "dev": "9f86d081884c7d65",
		"iat": t0.Unix(), "exp": t0.Add(time.Hour).Unix(),
	}
}

func sessionMap() map[string]any {
	return map[string]any{
		"iss": Issuer, "aud": []string{"anteroom:session"},
		"room": "ps5", "sid": "c0ffee", "sub": "c0ffee",
		"iat": t0.Unix(), "exp": t0.Add(time.Hour).Unix(),
	}
}

func purchaseMap() map[string]any {
	return map[string]any{
		"iss": Issuer, "aud": []string{"anteroom:purchase"},
		"room": "ps5", "jti": "hold-1", "sub": "c0ffee",
		"iat": t0.Unix(), "exp": t0.Add(time.Hour).Unix(),
	}
}

// del marks a key for with to remove.
type del struct{}

// with returns a copy of m with kv (key, value, key, value, …) applied.
func with(m map[string]any, kv ...any) map[string]any {
	m = maps.Clone(m)
	for i := 0; i < len(kv); i += 2 {
		k := kv[i].(string)
		if _, ok := kv[i+1].(del); ok {
			delete(m, k)
		} else {
			m[k] = kv[i+1]
		}
	}
	return m
}

var sentinels = []error{ErrTooLong, ErrMalformed, ErrSignature, ErrAlgorithm, ErrUnknownKey, ErrWrongKind, ErrExpired, ErrInvalidClaims}

// isSentinel reports whether err is, unwrapped, one of the package's errors.
func isSentinel(err error) bool {
	for _, s := range sentinels {
		if err == s {
			return true
		}
	}
	return false
}

func checkErr(tb testing.TB, got, want error) {
	tb.Helper()
	if want == nil {
		if got != nil {
			tb.Fatalf("got error %v, want none", got)
		}
		return
	}
	if !errors.Is(got, want) {
		tb.Fatalf("got error %v, want %v", got, want)
	}
	if !isSentinel(got) {
		tb.Fatalf("got error %v, want one of the sentinels, unwrapped", got)
	}
}
