package static

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/url"
	"os"
	"strings"
)

// A room's own look (page.logo_file, page.accent_color, page.message,
// page.home_url), made ready for the page once, when the room is built.

// MaxLogoBytes bounds page.logo_file: the logo is inlined into every page served.
const MaxLogoBytes = 16 << 10

// MaxNoticeLen bounds page.message, in bytes: one line, not an article.
const MaxNoticeLen = 300

var pngMagic = []byte("\x89PNG\r\n\x1a\n")

// LoadLogo reads a PNG or SVG logo of at most MaxLogoBytes and returns it as a data:
// URI for <img src>. An SVG must be inert: no scripts, no event handlers, no
// references outside itself. (The page shows it only in <img>, where browsers run no
// script and load nothing anyway, under a CSP that allows no inline script; the check
// keeps the file safe wherever else it ends up.)
func LoadLogo(path string) (template.URL, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("reading logo: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxLogoBytes+1))
	if err != nil {
		return "", fmt.Errorf("reading logo: %w", err)
	}
	if len(data) > MaxLogoBytes {
		return "", fmt.Errorf("logo %s: more than %d bytes (%d KB); it is inlined into every page", path, MaxLogoBytes, MaxLogoBytes>>10)
	}
	var mime string
	switch {
	case bytes.HasPrefix(data, pngMagic):
		mime = "image/png"
	case isSVG(data):
		if err := checkSVG(data); err != nil {
			return "", fmt.Errorf("logo %s: %w", path, err)
		}
		mime = "image/svg+xml"
	default:
		return "", fmt.Errorf("logo %s: must be a PNG or an SVG file", path)
	}
	return template.URL("data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(data)), nil
}

// isSVG reports whether data is XML whose root element is <svg>.
func isSVG(data []byte) bool {
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name.Local == "svg"
		}
	}
}

// svgForbidden are elements that run script, embed other documents or load things.
var svgForbidden = map[string]bool{
	"script": true, "foreignobject": true, "iframe": true, "embed": true, "object": true,
	"audio": true, "video": true, "handler": true, "listener": true,
}

// checkSVG refuses an SVG that could run script or reach outside itself.
func checkSVG(data []byte) error {
	if bytes.Contains(bytes.ToLower(data), []byte("<!entity")) {
		return errors.New("SVG declares entities; refused")
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	inStyle := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("SVG is not well-formed XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := strings.ToLower(t.Name.Local)
			if svgForbidden[name] {
				return fmt.Errorf("SVG has a <%s> element; refused", t.Name.Local)
			}
			inStyle = name == "style"
			for _, a := range t.Attr {
				an, av := strings.ToLower(a.Name.Local), strings.TrimSpace(a.Value)
				switch {
				case strings.HasPrefix(an, "on"):
					return fmt.Errorf("SVG has an event handler (%s=); refused", a.Name.Local)
				case an == "href" || an == "src" || an == "action" || an == "formaction":
					if !strings.HasPrefix(av, "#") {
						return fmt.Errorf("SVG refers outside itself (%s=%q); refused", a.Name.Local, a.Value)
					}
				case an == "style" && externalCSS(av):
					return fmt.Errorf("SVG style refers outside itself (%q); refused", a.Value)
				}
			}
		case xml.EndElement:
			inStyle = false
		case xml.CharData:
			if inStyle && externalCSS(string(t)) {
				return errors.New("SVG <style> refers outside itself; refused")
			}
		case xml.ProcInst:
			if t.Target == "xml-stylesheet" {
				return errors.New("SVG links a stylesheet; refused")
			}
		}
	}
}

// externalCSS reports whether CSS loads anything other than a fragment of the file.
func externalCSS(css string) bool {
	css = strings.ToLower(css)
	if strings.Contains(css, "@import") || strings.Contains(css, "expression(") {
		return true
	}
	for rest := css; ; {
		_, after, ok := strings.Cut(rest, "url(")
		if !ok {
			return false
		}
		after = strings.TrimLeft(after, " \t\n\"'")
		if !strings.HasPrefix(after, "#") {
			return true
		}
		rest = after
	}
}

// CheckAccent says whether s is a colour page.accent_color accepts.
func CheckAccent(s string) error {
	_, err := parseColor(s)
	return err
}

// AccentStyle returns the <style> element that gives the page the shop's accent
// colour, adjusted as far as needed to keep 4.5:1 contrast for text and 3:1 for the
// progress bar in light and dark mode, and the CSP source that allows exactly that
// element ('sha256-…'), since the page's CSP allows no other inline style.
func AccentStyle(color string) (style template.HTML, cspSource string, err error) {
	c, err := parseColor(color)
	if err != nil {
		return "", "", err
	}
	light, dark := accentColors(c)
	css := ":root{--accent:" + light.String() + ";--on-accent:#fff}" +
		"@media (prefers-color-scheme:dark){:root{--accent:" + dark.String() + ";--on-accent:" + darkText.String() + "}}"
	sum := sha256.Sum256([]byte(css))
	return template.HTML("<style>" + css + "</style>"), "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'", nil
}

// CheckHomeURL says whether s may be page.home_url: an absolute http or https URL.
func CheckHomeURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return fmt.Errorf("must be an http or https URL: %w", err)
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return fmt.Errorf(`must be an absolute http or https URL like "https://shop.example/", got %q`, s)
	case strings.ContainsAny(s, "\x00\t\n\r\x7f <>\"'`"):
		return fmt.Errorf("must not contain spaces, quotes or control characters, got %q", s)
	}
	return nil
}

// CheckNotice says whether s may be page.message: one line of plain text.
func CheckNotice(s string) error {
	switch {
	case len(s) > MaxNoticeLen:
		return fmt.Errorf("must be at most %d bytes, got %d", MaxNoticeLen, len(s))
	case strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return errors.New("must be one line of plain text, without control characters")
	}
	return nil
}
