package token

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// TestNewRingRefusesWeakSecrets: NewRing is the last line of defence, so a
// secret anyone could guess never signs a token, whatever the caller checked.
func TestNewRingRefusesWeakSecrets(t *testing.T) {
	tests := []struct {
		name   string
		secret string
		want   string // in the error
	}{
		{"32 spaces", strings.Repeat(" ", 32), "only 1 different byte value"},
		{"one letter", strings.Repeat("a", 64), "only 1 different byte value"},
		{"two letters", strings.Repeat("ab", 20), "only 2 different byte values"},
		{"digits counting", "01234567890123456789012345678901", "bits of entropy"},
		{"hex alphabet twice", "0123456789abcdef0123456789abcdef", "bits of entropy"},
		{"alphabet", "abcdefghijklmnopqrstuvwxyz0123456789", "bits of entropy"},
		{"alphabet backwards", "zyxwvutsrqponmlkjihgfedcba987654", "bits of entropy"},
		{"every other", "02468ace02468ace02468ace02468ace", "only 8"},
		{"password repeated", "passwordpasswordpasswordpassword", "only 7"},
		{"phrase repeated", "MyShopSecret2026!MyShopSecret2026!", "bits of entropy"},
		{"placeholder", "another-secret-another-secret-0123456789", "bits of entropy"},
		{"long run then noise", strings.Repeat("x", 60) + "k3Jq9", "only 6"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewRing([]byte(tt.secret))
			if err == nil {
				t.Fatalf("NewRing accepted %q", tt.secret)
			}
			if !errors.Is(err, ErrWeakSecret) {
				t.Errorf("got %v, want ErrWeakSecret", err)
			}
			if msg := err.Error(); !strings.Contains(msg, tt.want) || !strings.Contains(msg, "anteroom keygen") {
				t.Errorf("got %q, want it to say %q and point to anteroom keygen", msg, tt.want)
			}
			if strings.Contains(err.Error(), tt.secret) {
				t.Errorf("error reveals the secret: %q", err)
			}
		})
	}
}

func TestCheckSecret(t *testing.T) {
	tests := []struct {
		name   string
		secret string
		ok     bool
	}{
		{"empty", "", false},
		{"31 random characters", "Xq7-RtZ0pLm2vB9sKd4wYe1uNc8aHf3", false},
		{"32 random characters", "Xq7-RtZ0pLm2vB9sKd4wYe1uNc8aHf3j", true},
		{"keygen", "hN0dVf4Yt3oS9iA2qZk7WcXbE1uJ6mPrLg8yTnR5vQe", true},
		{"openssl rand -hex 32", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", true},
		{"openssl rand -base64 32", "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=", true},
		{"hex of 16 bytes is 128 bits at most", "5d41402abc4b2a76b9719d911017c592", false},
		{"nine letters", strings.Repeat("abcdefghi", 8), false},
		{"ten different, counting", strings.Repeat("0123456789", 8), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckSecret([]byte(tt.secret))
			if (err == nil) != tt.ok {
				t.Errorf("CheckSecret(%q) = %v, want ok %v (about %.0f bits)", tt.secret, err, tt.ok, secretBits([]byte(tt.secret)))
			}
		})
	}
}

// TestRandomSecretsPass: every secret made the way the docs say — anteroom
// keygen, or 32 random bytes in hex, base64 or raw — passes, every time.
// The rule's margins are wide (the lowest estimates of these kinds over
// 500,000 draws each were 171, 186, 182 and 137 bits against 128 needed),
// so a failure here is a broken rule, not bad luck.
func TestRandomSecretsPass(t *testing.T) {
	n := 5000
	if testing.Short() || raceEnabled {
		n = 500
	}
	random := func() []byte {
		b := make([]byte, 32)
		rand.Read(b)
		return b
	}
	kinds := map[string]func() []byte{
		"NewSecret": func() []byte { return []byte(NewSecret()) },
		"hex":       func() []byte { return []byte(hex.EncodeToString(random())) },
		"base64":    func() []byte { return []byte(base64.StdEncoding.EncodeToString(random())) },
		"raw":       random,
	}
	for name, gen := range kinds {
		for range n {
			if s := gen(); CheckSecret(s) != nil {
				t.Fatalf("%s: %q refused: %v", name, s, CheckSecret(s))
			}
		}
	}
}

func TestNewSecret(t *testing.T) {
	a, b := NewSecret(), NewSecret()
	if a == b {
		t.Errorf("two secrets alike: %q", a)
	}
	if raw, err := base64.RawURLEncoding.DecodeString(a); err != nil || len(raw) != 32 {
		t.Errorf("got %q, want 32 bytes in unpadded base64url (%v)", a, err)
	}
}

// FuzzCheckSecret checks the rule's promises on any input: it never
// panics, anything it accepts has the length and variety it demands, and it
// refuses every short string repeated and every arithmetic run, however
// the fuzzer picks them.
func FuzzCheckSecret(f *testing.F) {
	f.Add([]byte("hN0dVf4Yt3oS9iA2qZk7WcXbE1uJ6mPrLg8yTnR5vQe"), uint8(3), uint8(40))
	f.Add([]byte("password"), uint8(8), uint8(32))
	f.Add([]byte{0, 1}, uint8(1), uint8(200))
	f.Fuzz(func(t *testing.T, s []byte, period, n uint8) {
		if err := CheckSecret(s); err == nil {
			if len(s) < MinSecretLen || distinct(s) < MinSecretDistinct {
				t.Fatalf("accepted %q", s)
			}
		} else if !errors.Is(err, ErrWeakSecret) {
			t.Fatalf("got %v, want ErrWeakSecret", err)
		}

		// Any piece of up to 24 bytes repeated: ≤ 26 counted bytes of
		// ≤ log2(24) bits each is below 128 bits, so the rule must refuse.
		p := 1 + int(period)%24
		if len(s) >= p {
			rep := bytes.Repeat(s[:p], (MinSecretLen+int(n))/p+1)
			if CheckSecret(rep) == nil {
				t.Fatalf("accepted %q repeated", s[:p])
			}
		}

		// A run with a fixed step ("abcd…", "0246…", "zyxw…").
		if len(s) > 0 {
			run := make([]byte, MinSecretLen+int(n))
			for i := range run {
				run[i] = s[0] + byte(i)*period
			}
			if CheckSecret(run) == nil {
				t.Fatalf("accepted the run %q", run)
			}
		}
	})
}
