package token

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"
	"time"
)

func TestPurchaseRoundTrip(t *testing.T) {
	s := mustSigner(t, edKey(1))
	tests := []struct {
		name string
		in   Purchase
	}{
		{"sample", samplePurchase()},
		{"no iat", Purchase{Room: "ps5", HoldID: "h", Session: "s", Expires: t0.Add(time.Minute)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := mustSign(t, s.Sign, tt.in)
			got, err := ParsePurchase([]byte(tok), s.JWKS(), t0)
			if err != nil {
				t.Fatalf("ParsePurchase: %v", err)
			}
			if got, want := normPurchase(got), normPurchase(tt.in); got != want {
				t.Errorf("got %+v, want %+v", got, want)
			}
			got, err = s.KeySet().ParsePurchase([]byte(tok), t0)
			if err != nil || normPurchase(got) != normPurchase(tt.in) {
				t.Errorf("KeySet().ParsePurchase: got %+v, %v", got, err)
			}
		})
	}
}

func TestPurchaseRejects(t *testing.T) {
	k := edKey(1)
	s := mustSigner(t, k)
	kid := s.KeyID()
	jwks := s.JWKS()
	r := mustRing(t, secret(1))
	pub := k.Public().(ed25519.PublicKey)

	purchase := mustSign(t, s.Sign, samplePurchase())
	pH, pC := header(KindPurchase, "EdDSA", kid), purchaseMap()
	sign := edSign(k)

	tests := []struct {
		name string
		tok  string
		want error
	}{
		{"ok", purchase, nil},
		{"crafted ok", craft(t, pH, pC, sign), nil},
		{"tampered payload", strings.Split(purchase, ".")[0] + "." + strings.Split(craft(t, pH, with(pC, "jti", "hold-2"), noSig), ".")[1] + "." + strings.Split(purchase, ".")[2], ErrSignature},
		{"signed by another key, same kid", craft(t, pH, pC, edSign(edKey(2))), ErrSignature},
		{"unknown kid", craft(t, with(pH, "kid", mustSigner(t, edKey(2)).KeyID()), pC, edSign(edKey(2))), ErrUnknownKey},
		{"no kid", craft(t, with(pH, "kid", del{}), pC, sign), ErrUnknownKey},
		{"alg none", craft(t, with(pH, "alg", "none"), pC, noSig), ErrAlgorithm},
		// The classic confusion: an HMAC token keyed with the public key.
		{"HS256 keyed with the public key", craft(t, with(pH, "alg", "HS256"), pC, hs256(pub)), ErrAlgorithm},
		{"ticket as purchase", mustSign(t, r.SignTicket, sampleTicket()), ErrWrongKind},
		{"session as purchase", mustSign(t, r.SignSession, sampleSession()), ErrWrongKind},
		{"session aud", craft(t, pH, with(pC, "aud", "anteroom:session"), sign), ErrWrongKind},
		{"expired", craft(t, pH, with(pC, "exp", t0.Unix()), sign), ErrExpired},
		{"missing exp", craft(t, pH, with(pC, "exp", del{}), sign), ErrInvalidClaims},
		{"wrong iss", craft(t, pH, with(pC, "iss", "shop"), sign), ErrInvalidClaims},
		{"no hold id", craft(t, pH, with(pC, "jti", del{}), sign), ErrInvalidClaims},
		{"no session", craft(t, pH, with(pC, "sub", ""), sign), ErrInvalidClaims},
		{"no room", craft(t, pH, with(pC, "room", ""), sign), ErrInvalidClaims},
		{"too long", strings.Repeat("x", MaxTokenLen+1), ErrTooLong},
		{"malformed", "x.y", ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePurchase([]byte(tt.tok), jwks, t0)
			checkErr(t, err, tt.want)
		})
	}
}

func TestPurchaseRotation(t *testing.T) {
	old, next := edKey(1), edKey(2)
	tok := mustSign(t, mustSigner(t, old).Sign, samplePurchase())
	tests := []struct {
		name   string
		signer *PurchaseSigner
		want   error
	}{
		{"new key first, old kept", mustSigner(t, next, old), nil},
		{"old key retired", mustSigner(t, next), ErrUnknownKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePurchase([]byte(tok), tt.signer.JWKS(), t0)
			checkErr(t, err, tt.want)
		})
	}
}

func TestJWKSDocument(t *testing.T) {
	k1, k2 := edKey(1), edKey(2)
	s := mustSigner(t, k1, k2, k1)
	var doc struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(s.JWKS(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Keys) != 2 {
		t.Fatalf("got %d keys, want 2 (a repeated key counts once): %s", len(doc.Keys), s.JWKS())
	}
	for i, k := range []ed25519.PrivateKey{k1, k2} {
		pub := k.Public().(ed25519.PublicKey)
		sum := sha256.Sum256(pub)
		want := map[string]string{
			"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig",
			"x":   base64.RawURLEncoding.EncodeToString(pub),
			"kid": hex.EncodeToString(sum[:8]),
		}
		if len(doc.Keys[i]) != len(want) {
			t.Errorf("keys[%d]: got %v, want %v", i, doc.Keys[i], want)
		}
		for f, v := range want {
			if doc.Keys[i][f] != v {
				t.Errorf("keys[%d].%s: got %q, want %q", i, f, doc.Keys[i][f], v)
			}
		}
	}
	if s.KeyID() != doc.Keys[0]["kid"] {
		t.Errorf("got signing kid %q, want the first key's %q", s.KeyID(), doc.Keys[0]["kid"])
	}
	// JWKS hands out a copy.
	j := s.JWKS()
	clear(j)
	if bytes.Equal(s.JWKS(), j) {
		t.Error("changing the returned JWKS changed the signer's")
	}
}

func TestParseJWKS(t *testing.T) {
	x := base64.RawURLEncoding.EncodeToString(edKey(1).Public().(ed25519.PublicKey))
	key := func(extra string) string {
		return `{"kty":"OKP","crv":"Ed25519","x":"` + x + `","kid":"k1"` + extra + `}`
	}
	tests := []struct {
		name    string
		doc     string
		wantErr bool
	}{
		{"minimal", `{"keys":[` + key("") + `]}`, false},
		{"with alg and use", `{"keys":[` + key(`,"alg":"EdDSA","use":"sig"`) + `]}`, false},
		{"other key types skipped", `{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB","kid":"r"},{"kty":"OKP","crv":"X25519","x":"AA","kid":"x"},` + key("") + `]}`, false},
		{"not JSON", `keys`, true},
		{"no keys", `{"keys":[]}`, true},
		{"only other key types", `{"keys":[{"kty":"EC","crv":"P-256","kid":"e"}]}`, true},
		{"short x", `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"AAAA","kid":"k"}]}`, true},
		{"x not base64url", `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"` + strings.Repeat("+", 43) + `","kid":"k"}]}`, true},
		{"no kid", `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"` + x + `"}]}`, true},
		{"kid repeated", `{"keys":[` + key("") + `,` + key("") + `]}`, true},
		{"alg RS256", `{"keys":[` + key(`,"alg":"RS256"`) + `]}`, true},
		{"use enc", `{"keys":[` + key(`,"use":"enc"`) + `]}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseJWKS([]byte(tt.doc))
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v, want error %v", err, tt.wantErr)
			}
			if err != nil && isSentinel(err) {
				t.Errorf("a bad key set is reported as a token error: %v", err)
			}
		})
	}
}

func TestNewPurchaseSigner(t *testing.T) {
	if _, err := NewPurchaseSigner(); err == nil {
		t.Error("no key: got no error")
	}
	if _, err := NewPurchaseSigner(edKey(1)[:32]); err == nil {
		t.Error("short key: got no error")
	}
	mixed := append(ed25519.PrivateKey(nil), edKey(1)[:32]...)
	mixed = append(mixed, edKey(2)[32:]...)
	if _, err := NewPurchaseSigner(mixed); err == nil {
		t.Error("seed and public half from different keys: got no error")
	}
}

func TestPurchaseSignRefuses(t *testing.T) {
	s := mustSigner(t, edKey(1))
	for name, p := range map[string]Purchase{
		"no room":    {HoldID: "h", Session: "s", Expires: t0},
		"no hold":    {Room: "r", Session: "s", Expires: t0},
		"no session": {Room: "r", HoldID: "h", Expires: t0},
		"no expiry":  {Room: "r", HoldID: "h", Session: "s"},
	} {
		if tok, err := s.Sign(p); err == nil {
			t.Errorf("%s: got %q, want an error", name, tok)
		}
	}
}

func TestPrivateKeyPEM(t *testing.T) {
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pemBytes, err := MarshalPrivateKeyPEM(k)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pemBytes, []byte("-----BEGIN PRIVATE KEY-----\n")) {
		t.Errorf("got %q, want a PKCS#8 PRIVATE KEY block", pemBytes)
	}
	got, err := LoadPrivateKeyPEM(pemBytes)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(k) {
		t.Error("loaded key differs from the saved one")
	}
	if _, err := MarshalPrivateKeyPEM(k[:10]); err == nil {
		t.Error("short key: got no error")
	}
}

func TestLoadPrivateKeyPEMRefuses(t *testing.T) {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, err := x509.MarshalPKCS8PrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	edDER, err := x509.MarshalPKCS8PrivateKey(edKey(1))
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string][]byte{
		"empty":           nil,
		"not PEM":         []byte("hello"),
		"public key type": pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: edDER}),
		"garbage DER":     pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2, 3}}),
		"ECDSA key":       pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER}),
	}
	for name, in := range tests {
		if _, err := LoadPrivateKeyPEM(in); err == nil {
			t.Errorf("%s: got no error", name)
		}
	}
}

func BenchmarkSignPurchase(b *testing.B) {
	s := mustSigner(b, edKey(1))
	p := samplePurchase()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Sign(p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParsePurchase(b *testing.B) {
	s := mustSigner(b, edKey(1))
	ks, err := ParseJWKS(s.JWKS())
	if err != nil {
		b.Fatal(err)
	}
	tok := []byte(mustSign(b, s.Sign, samplePurchase()))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ks.ParsePurchase(tok, t0); err != nil {
			b.Fatal(err)
		}
	}
}
