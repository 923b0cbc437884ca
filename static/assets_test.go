package static

import (
	"bytes"
	"strings"
	"testing"
)

func TestAsset(t *testing.T) {
	tests := []struct {
		name, contentType, contains string
	}{
		{"waiting.css", "text/css; charset=utf-8", "prefers-reduced-motion"},
		{"waiting.js", "text/javascript; charset=utf-8", "poll_after_ms"},
	}
	for _, tt := range tests {
		data, ct, ok := Asset(tt.name)
		if !ok || ct != tt.contentType {
			t.Errorf("Asset(%q): got %q, %v, want %q, true", tt.name, ct, ok, tt.contentType)
		}
		if !bytes.Contains(data, []byte(tt.contains)) {
			t.Errorf("Asset(%q) lacks %q", tt.name, tt.contains)
		}
		if cap(data) != len(data) {
			t.Errorf("Asset(%q): spare capacity lets an append overwrite shared bytes", tt.name)
		}
		etag := AssetETag(tt.name)
		if len(etag) != 18 || etag[0] != '"' || etag[17] != '"' {
			t.Errorf("AssetETag(%q): got %q, want a quoted 16-digit hash", tt.name, etag)
		}
		// The page links the asset with the same version, so a new build busts caches.
		page := render(t, waitingData())
		if want := AssetPrefix + tt.name + "?v=" + strings.Trim(etag, `"`); !strings.Contains(page, want) {
			t.Errorf("page does not link %s", want)
		}
	}
	for _, name := range []string{"", "waiting.html", "../page.go", "assets/waiting.css", "WAITING.CSS"} {
		if data, ct, ok := Asset(name); ok || data != nil || ct != "" {
			t.Errorf("Asset(%q): got ok=%v, want not found", name, ok)
		}
		if etag := AssetETag(name); etag != "" {
			t.Errorf("AssetETag(%q): got %q, want empty", name, etag)
		}
	}
}

func TestAssetsAreSelfContained(t *testing.T) {
	for _, name := range []string{"waiting.css", "waiting.js"} {
		data, _, _ := Asset(name)
		for _, bad := range []string{"http://", "https://", "@import", "@font-face", "url(", "eval(", "innerHTML"} {
			if bytes.Contains(data, []byte(bad)) {
				t.Errorf("%s contains %q", name, bad)
			}
		}
	}
}
