package token

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// jwk is one public key in a JWKS (RFC 7517), with the Ed25519 "OKP" key
// type of RFC 8037. Field order is the order of the published document.
type jwk struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Kid string `json:"kid"`
	Alg string `json:"alg,omitempty"`
	Use string `json:"use,omitempty"`
}

type jwks struct {
	Keys []jwk `json:"keys"`
}

// marshalJWKS writes the document served at /.anteroom/jwks.json.
func marshalJWKS(kids []string, pubs []ed25519.PublicKey) ([]byte, error) {
	doc := jwks{Keys: make([]jwk, len(pubs))}
	for i, pub := range pubs {
		doc.Keys[i] = jwk{
			Kty: "OKP",
			Crv: "Ed25519",
			X:   base64.RawURLEncoding.EncodeToString(pub),
			Kid: kids[i],
			Alg: purchaseSpec.alg,
			Use: "sig",
		}
	}
	return json.Marshal(doc)
}

// KeySet is the public half of a PurchaseSigner, as a shop holds it: the
// Ed25519 keys of a JWKS by kid. Build it once with ParseJWKS and reuse it;
// it is immutable and safe for concurrent use.
type KeySet struct {
	keys    map[string]any // kid → ed25519.PublicKey, boxed once for jwt.Keyfunc
	keyfunc jwt.Keyfunc
}

func newKeySet(n int) *KeySet {
	ks := &KeySet{keys: make(map[string]any, n)}
	ks.keyfunc = purchaseSpec.keyfunc(func(kid string) (any, bool) {
		k, ok := ks.keys[kid]
		return k, ok
	})
	return ks
}

// ParseJWKS reads a JWKS document. Keys that are not Ed25519 ("kty" other
// than "OKP" or "crv" other than "Ed25519") are skipped, as RFC 7517 asks of
// a reader, so a shop may merge anteroom's keys into a larger set. An
// Ed25519 key is refused if its "x" is not 32 bytes of base64url, its "kid"
// is missing or repeated, or it says it is for another "alg" or "use".
func ParseJWKS(doc []byte) (*KeySet, error) {
	var d jwks
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, fmt.Errorf("token: jwks: %w", err)
	}
	ks := newKeySet(len(d.Keys))
	for i, k := range d.Keys {
		if k.Kty != "OKP" || k.Crv != "Ed25519" {
			continue
		}
		x, err := base64.RawURLEncoding.Strict().DecodeString(k.X)
		switch {
		case err != nil || len(x) != ed25519.PublicKeySize:
			return nil, fmt.Errorf("token: jwks: keys[%d]: x is not a base64url Ed25519 public key", i)
		case k.Kid == "":
			return nil, fmt.Errorf("token: jwks: keys[%d]: no kid", i)
		case k.Alg != "" && k.Alg != purchaseSpec.alg:
			return nil, fmt.Errorf("token: jwks: keys[%d]: alg %q, want %q", i, k.Alg, purchaseSpec.alg)
		case k.Use != "" && k.Use != "sig":
			return nil, fmt.Errorf("token: jwks: keys[%d]: use %q, want \"sig\"", i, k.Use)
		}
		if _, dup := ks.keys[k.Kid]; dup {
			return nil, fmt.Errorf("token: jwks: keys[%d]: kid %q repeated", i, k.Kid)
		}
		ks.keys[k.Kid] = ed25519.PublicKey(x)
	}
	if len(ks.keys) == 0 {
		return nil, errors.New("token: jwks: no Ed25519 key")
	}
	return ks, nil
}

// ParsePurchase verifies tok as a purchase token valid at now, signed by one
// of the set's keys. Any error is one of the package's sentinel errors.
func (ks *KeySet) ParsePurchase(tok []byte, now time.Time) (Purchase, error) {
	var c purchaseClaims
	if err := purchaseSpec.verify(tok, now, &c, ks.keyfunc); err != nil {
		return Purchase{}, err
	}
	return c.purchase(), nil
}
