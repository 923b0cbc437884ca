package token

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// PurchaseSigner signs purchase tokens with Ed25519. Unlike tickets and
// sessions, these are verified by the shop, so they use a key pair: the shop
// gets the public keys (JWKS) and can check a token without being able to
// mint one. The first key signs; all are published, so a new key can be put
// first while tokens signed by the old one are still honoured.
//
// A PurchaseSigner is immutable and safe for concurrent use.
type PurchaseSigner struct {
	key  ed25519.PrivateKey
	kid  string
	jwks []byte
	set  *KeySet
}

// NewPurchaseSigner returns a signer whose first key signs. Each key's kid is
// the first 8 bytes of the SHA-256 of its public key, in hex. A key given
// twice counts once.
func NewPurchaseSigner(keys ...ed25519.PrivateKey) (*PurchaseSigner, error) {
	if len(keys) == 0 {
		return nil, errors.New("token: purchase signer: no key")
	}
	s := &PurchaseSigner{set: newKeySet(len(keys))}
	var (
		kids []string
		pubs []ed25519.PublicKey
	)
	for i, k := range keys {
		if len(k) != ed25519.PrivateKeySize {
			return nil, fmt.Errorf("token: purchase signer: key %d is %d bytes, want %d", i, len(k), ed25519.PrivateKeySize)
		}
		// A key whose public half was not derived from its seed would sign
		// tokens that its own published key does not verify.
		if !ed25519.NewKeyFromSeed(k.Seed()).Equal(k) {
			return nil, fmt.Errorf("token: purchase signer: key %d: public half does not match its seed", i)
		}
		pub := append(ed25519.PublicKey(nil), k.Public().(ed25519.PublicKey)...)
		kid := keyID(pub)
		if _, dup := s.set.keys[kid]; dup {
			continue
		}
		s.set.keys[kid] = pub
		kids = append(kids, kid)
		pubs = append(pubs, pub)
		if i == 0 {
			s.key = append(ed25519.PrivateKey(nil), k...)
			s.kid = kid
		}
	}
	var err error
	if s.jwks, err = marshalJWKS(kids, pubs); err != nil {
		return nil, fmt.Errorf("token: purchase signer: %w", err)
	}
	return s, nil
}

// KeyID is the kid of the signing key.
func (s *PurchaseSigner) KeyID() string { return s.kid }

// Sign signs p. Room, HoldID, Session and Expires are required; Expires
// should be when the hold lapses, so the shop refuses a token whose stock
// may already have been returned.
func (s *PurchaseSigner) Sign(p Purchase) (string, error) {
	c := purchaseToClaims(p)
	if err := c.Validate(); err != nil {
		return "", fmt.Errorf("signing purchase: %w", err)
	}
	return purchaseSpec.sign(jwt.SigningMethodEdDSA, s.key, s.kid, c)
}

// JWKS returns the public keys as a JWKS document, to be served at
// /.anteroom/jwks.json:
//
//	{"keys":[{"kty":"OKP","crv":"Ed25519","x":"…","kid":"…","alg":"EdDSA","use":"sig"}]}
//
// The slice is a fresh copy that the caller may keep or change.
func (s *PurchaseSigner) JWKS() []byte { return append([]byte(nil), s.jwks...) }

// KeySet returns the signer's public keys, for verifying its own tokens.
func (s *PurchaseSigner) KeySet() *KeySet { return s.set }

// ParsePurchase is what a shop does with the X-Anteroom-Purchase-Token
// header: verify tok against the JWKS document anteroom publishes (fetched
// from /.anteroom/jwks.json or copied into the shop's configuration) and
// return the hold it proves. It parses jwks on every call; a shop verifying
// many tokens should call ParseJWKS once and use KeySet.ParsePurchase.
//
// The token must be an EdDSA purchase token from issuer "anteroom" for
// audience "anteroom:purchase", signed by a key in the set, and unexpired at
// now. A token error is one of the package's sentinel errors; a jwks that
// cannot be read is reported by an error that is none of them.
func ParsePurchase(tok []byte, jwks []byte, now time.Time) (Purchase, error) {
	if len(tok) > MaxTokenLen {
		return Purchase{}, ErrTooLong
	}
	ks, err := ParseJWKS(jwks)
	if err != nil {
		return Purchase{}, err
	}
	return ks.ParsePurchase(tok, now)
}

// GenerateKey returns a new Ed25519 private key from crypto/rand.
func GenerateKey() (ed25519.PrivateKey, error) {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("token: generating purchase key: %w", err)
	}
	return k, nil
}

// LoadPrivateKeyPEM reads an Ed25519 key from a PKCS#8 "PRIVATE KEY" PEM
// block, the format of `openssl genpkey -algorithm ed25519` and of
// MarshalPrivateKeyPEM.
func LoadPrivateKeyPEM(pemBytes []byte) (ed25519.PrivateKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("token: purchase key: no PEM block")
	}
	if block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("token: purchase key: PEM block is %q, want \"PRIVATE KEY\"", block.Type)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("token: purchase key: %w", err)
	}
	ek, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("token: purchase key: %T is not an Ed25519 key", k)
	}
	return ek, nil
}

// MarshalPrivateKeyPEM writes k as a PKCS#8 "PRIVATE KEY" PEM block.
func MarshalPrivateKeyPEM(k ed25519.PrivateKey) ([]byte, error) {
	if len(k) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("token: purchase key: %d bytes, want %d", len(k), ed25519.PrivateKeySize)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("token: purchase key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}
