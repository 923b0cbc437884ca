package static

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"sync"
)

// ErrorData is what the error page shows: the gateway's own answers that
// are not the waiting page (the shop is busy or unreachable, a request was
// refused), in the waiting page's look and the shopper's language. Build it
// with [Text.ErrorData]; a zero Lang means English.
type ErrorData struct {
	Code      int    // the HTTP status, shown small
	Lang      string // <html lang>: "en", "ar"
	Dir       string // <html dir>: "ltr" or "rtl"
	Heading   string // a few words: "The shop is very busy"
	Message   string // one or two plain sentences: what happened, what to do
	TagText   string // the label, "Error {code}"; see Tag
	AgainText string // the link's words, "Try again"
	Again     string // a same-site path to try again ("" for none)
}

var errorPage = template.Must(template.New("error.html").Funcs(funcs).ParseFS(files, "templates/error.html"))

// errorPages caches rendered pages: the gateway says few different things,
// and the busiest moments (an overloaded shop) are when rendering should
// cost nothing. Keys are whole ErrorData values, language included, with
// Again replaced by againMarker when there is a link: the request's own
// path goes between the two parts of the cached page.
var errorPages struct {
	sync.RWMutex
	m map[ErrorData]errorPageParts
}

// errorPageParts is a rendered page; after is nil for a page without a
// link, else the page is before, the link's escaped path, after.
type errorPageParts struct{ before, after []byte }

// maxCachedErrorPages bounds the cache whatever a caller passes: every
// message in every language, with and without a link, is a few hundred
// pages, a room's page.strings a few more.
const maxCachedErrorPages = 1024

// againMarker stands for the link's path in a cached page. It is a plain
// same-site path, so the template prints it as it is; in the page's text
// `href="` cannot occur, since a quote there is escaped.
const againMarker = "/.anteroom/again"

var againAttr = []byte(`href="` + againMarker + `"`)

// WriteErrorPage writes the error page for d to w.
func WriteErrorPage(w io.Writer, d ErrorData) error {
	d = d.normalized()
	again := d.Again
	if again != "" {
		d.Again = againMarker
	}
	p, err := renderErrorPage(d)
	if err != nil {
		return err
	}
	page := p.before
	if again != "" {
		r := renderers.Get().(*renderer)
		defer r.release()
		// The path is escaped as html/template escapes a string in href="…".
		r.scratch = append(r.scratch[:0], again...)
		r.out = append(append(r.out[:0], p.before...), `href="`...)
		r.out = appendURLAttr(r.out, r.scratch)
		r.out = append(r.out, p.after...)
		page = r.out
	}
	if _, err := w.Write(page); err != nil {
		return fmt.Errorf("writing error page: %w", err)
	}
	return nil
}

// normalized is d with the defaults of an ErrorData built by hand, and its
// link only if it is a path on this site.
func (d ErrorData) normalized() ErrorData {
	d.Again = sitePath(d.Again, "")
	if d.Lang == "" {
		d.Lang, d.Dir = english.lang, english.dir
	}
	if d.TagText == "" {
		d.TagText = english.words[keyErrTag]
	}
	if d.AgainText == "" {
		d.AgainText = english.words[keyErrAgain]
	}
	return d
}

// renderErrorPage renders d, normalized, or finds it in the cache.
func renderErrorPage(d ErrorData) (errorPageParts, error) {
	errorPages.RLock()
	p, ok := errorPages.m[d]
	errorPages.RUnlock()
	if ok {
		return p, nil
	}
	var buf bytes.Buffer
	if err := errorPage.Execute(&buf, d); err != nil {
		return p, fmt.Errorf("rendering error page: %w", err)
	}
	p.before = buf.Bytes()
	if d.Again != "" {
		i := bytes.Index(p.before, againAttr)
		if i < 0 || bytes.Contains(p.before[i+1:], againAttr) {
			return p, fmt.Errorf("rendering error page: want one %s in the page", againAttr)
		}
		p.before, p.after = p.before[:i], p.before[i+len(againAttr)-1:]
	}
	errorPages.Lock()
	if errorPages.m == nil {
		errorPages.m = make(map[ErrorData]errorPageParts)
	}
	if len(errorPages.m) < maxCachedErrorPages {
		errorPages.m[d] = p
	}
	errorPages.Unlock()
	return p, nil
}
