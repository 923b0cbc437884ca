package static

import (
	"bytes"
	"html"
	"html/template"
	"testing"
)

// The escapers are checked against what they copy: html/template executing a value
// in the same place, and html.EscapeString. Unlike the page tests, these reach inputs
// that normalize never lets through, such as URLs with a scheme.
var (
	textOracle   = template.Must(template.New("text").Parse(`{{.}}`))
	rcdataOracle = template.Must(template.New("rcdata").Parse(`<title>{{.}}</title>`))
	attrOracle   = template.Must(template.New("attr").Parse(`<p title="{{.}}">`))
	urlOracle    = template.Must(template.New("url").Parse(`<a href="{{.}}">`))
)

func checkEscapers(t *testing.T, s string) {
	t.Helper()
	for _, tt := range []struct {
		name         string
		oracle       *template.Template
		prefix, tail string
		escape       func(dst, s []byte) []byte
	}{
		{"text", textOracle, "", "", appendHTMLEscaped},
		{"rcdata", rcdataOracle, "<title>", "</title>", appendHTMLEscaped},
		{"attribute", attrOracle, `<p title="`, `">`, appendHTMLEscaped},
		{"url", urlOracle, `<a href="`, `">`, appendURLAttr},
	} {
		var want bytes.Buffer
		if err := tt.oracle.Execute(&want, s); err != nil {
			t.Fatal(err)
		}
		got := append([]byte(tt.prefix), tt.escape(nil, []byte(s))...)
		got = append(got, tt.tail...)
		if !bytes.Equal(got, want.Bytes()) {
			t.Errorf("%s escaping of %q: got %q, want %q", tt.name, s, got, want.Bytes())
		}
	}
	if got, want := string(appendEscapedString(nil, s)), html.EscapeString(s); got != want {
		t.Errorf("appendEscapedString(%q): got %q, want %q", s, got, want)
	}
}

func TestEscapersMatchStdlib(t *testing.T) {
	for _, s := range append(hostileStrings, hostilePaths...) {
		checkEscapers(t, s)
	}
	for _, s := range []string{
		"mailto:a@b", "MAILTO:a@b", "http:x", "HTTP://x", "httpſ:x", "ftp://x", "a/b:c", ":x", "x:", "%", "%%", "%4", "%41", "%4g",
	} {
		checkEscapers(t, s)
	}
}

func FuzzEscapers(f *testing.F) {
	for _, s := range append(hostileStrings[:len(hostileStrings)-1], hostilePaths[:len(hostilePaths)-1]...) {
		f.Add(s)
	}
	f.Fuzz(checkEscapers)
}
