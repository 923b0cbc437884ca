package token

import (
	"bytes"
	"testing"
)

func TestCookieValue(t *testing.T) {
	tests := []struct {
		name   string
		header string
		cookie string
		want   string // "" means nil
	}{
		{"only cookie", "anteroom_ticket=abc", TicketCookie, "abc"},
		{"first of several", "anteroom_ticket=abc; anteroom_session=def; x=y", TicketCookie, "abc"},
		{"middle of several", "a=1; anteroom_session=def; x=y", SessionCookie, "def"},
		{"last of several", "a=1; b=2; anteroom_session=def", SessionCookie, "def"},
		{"no space after semicolon", "a=1;anteroom_session=def;b=2", SessionCookie, "def"},
		{"extra spaces and tabs", " a=1 ;\t anteroom_session = def \t; b=2 ", SessionCookie, "def"},
		{"jwt value", "anteroom_session=eyJhbGciOiJIUzI1NiJ9.eyJzaWQiOiJ4In0.c2ln-_", SessionCookie, "eyJhbGciOiJIUzI1NiJ9.eyJzaWQiOiJ4In0.c2ln-_"},
		{"value with =", "anteroom_ticket=a=b==", TicketCookie, "a=b=="},
		{"quoted", `anteroom_ticket="abc"`, TicketCookie, "abc"},
		{"quoted empty", `anteroom_ticket=""`, TicketCookie, ""},
		{"lone quote", `anteroom_ticket="`, TicketCookie, ""},
		{"unbalanced quote", `anteroom_ticket="abc`, TicketCookie, ""},
		{"quote inside", `anteroom_ticket=a"bc`, TicketCookie, ""},
		{"missing", "a=1; b=2", TicketCookie, ""},
		{"empty header", "", TicketCookie, ""},
		{"empty value", "anteroom_ticket=; b=2", TicketCookie, ""},
		{"no equals", "anteroom_ticket; b=2", TicketCookie, ""},
		{"name as suffix", "xanteroom_ticket=evil", TicketCookie, ""},
		{"name as suffix, then real", "xanteroom_ticket=evil; anteroom_ticket=good", TicketCookie, "good"},
		{"name as prefix", "anteroom_ticket_old=evil", TicketCookie, ""},
		{"name as value", "a=anteroom_ticket=evil", TicketCookie, ""},
		{"case differs", "Anteroom_Ticket=abc", TicketCookie, ""},
		{"repeated: first wins", "anteroom_ticket=first; anteroom_ticket=second", TicketCookie, "first"},
		{"repeated, first bad", "anteroom_ticket=a b; anteroom_ticket=second", TicketCookie, ""},
		{"space inside", "anteroom_ticket=a b", TicketCookie, ""},
		{"comma", "anteroom_ticket=a,b", TicketCookie, ""},
		{"backslash", `anteroom_ticket=a\b`, TicketCookie, ""},
		{"control byte", "anteroom_ticket=a\x01b", TicketCookie, ""},
		{"DEL", "anteroom_ticket=a\x7fb", TicketCookie, ""},
		{"NUL", "anteroom_ticket=a\x00b", TicketCookie, ""},
		{"non-ASCII", "anteroom_ticket=caf\xc3\xa9", TicketCookie, ""},
		{"newline", "anteroom_ticket=abc\r\nX-Evil: 1", TicketCookie, ""},
		{"empty name asked", "=abc", "", ""},
		{"only separators", ";;; ;", TicketCookie, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CookieValue([]byte(tt.header), tt.cookie)
			if tt.want == "" {
				if got != nil {
					t.Fatalf("got %q, want nil", got)
				}
				return
			}
			if string(got) != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCookieValueDoesNotAllocate(t *testing.T) {
	h := []byte("_ga=GA1.2.3; theme=dark; anteroom_ticket=eyJhbGciOiJIUzI1NiJ9.e30.c2ln; anteroom_session=\"abc\"")
	for _, name := range []string{TicketCookie, SessionCookie, "absent"} {
		if n := testing.AllocsPerRun(100, func() { CookieValue(h, name) }); n != 0 {
			t.Errorf("%s: got %v allocations, want 0", name, n)
		}
	}
}

func FuzzCookieValue(f *testing.F) {
	for _, s := range []struct{ header, name string }{
		{"anteroom_ticket=abc", TicketCookie},
		{"a=1; anteroom_session=def; b=2", SessionCookie},
		{`anteroom_ticket="abc"`, TicketCookie},
		{`anteroom_ticket="`, TicketCookie},
		{"xanteroom_ticket=x", TicketCookie},
		{" \tanteroom_ticket = x ;", TicketCookie},
		{"anteroom_ticket=a\x00b", TicketCookie},
		{";;=;", ""},
		{"", TicketCookie},
	} {
		f.Add([]byte(s.header), s.name)
	}
	f.Fuzz(func(t *testing.T, header []byte, name string) {
		got := CookieValue(header, name)
		if want := refCookieValue(header, name); !bytes.Equal(got, want) || (got == nil) != (want == nil) {
			t.Fatalf("CookieValue(%q, %q) = %q, want %q", header, name, got, want)
		}
		if got == nil {
			return
		}
		for _, b := range got {
			if !isCookieOctet(b) {
				t.Fatalf("got %q, holding byte %#x", got, b)
			}
		}
	})
}

// refCookieValue is CookieValue written the obvious, allocating way, for the
// fuzzer to compare against.
func refCookieValue(header []byte, name string) []byte {
	if name == "" {
		return nil
	}
	for _, pair := range bytes.Split(header, []byte(";")) {
		n, v, ok := bytes.Cut(pair, []byte("="))
		if !ok || string(bytes.Trim(n, " \t")) != name {
			continue
		}
		v = bytes.Trim(v, " \t")
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = v[1 : len(v)-1]
		}
		if len(v) == 0 || bytes.ContainsAny(v, " \",;\\\x7f") {
			return nil
		}
		for _, b := range v {
			if b < 0x21 || b > 0x7e {
				return nil
			}
		}
		return v
	}
	return nil
}

func BenchmarkCookieValue(b *testing.B) {
	h := []byte("_ga=GA1.2.3; theme=dark; anteroom_ticket=eyJhbGciOiJIUzI1NiJ9.e30.c2ln; anteroom_session=eyJhbGciOiJIUzI1NiJ9.e30.c2ln")
	b.ReportAllocs()
	for b.Loop() {
		if CookieValue(h, SessionCookie) == nil {
			b.Fatal("not found")
		}
	}
}
