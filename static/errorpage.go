package static

import (
	"bytes"
	"fmt"
	"html/template"
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
// cost nothing. Keys are whole ErrorData values, language included; a page
// with an Again link is not cached, since the link varies per request.
var errorPages struct {
	sync.RWMutex
	m map[ErrorData][]byte
}

// maxCachedErrorPages bounds the cache whatever a caller passes: every
// message in every language is a few hundred pages, a room's page.strings a
// few more.
const maxCachedErrorPages = 1024

// ErrorPage returns the error page for d. The bytes may be shared: the
// caller must not change them.
func ErrorPage(d ErrorData) ([]byte, error) {
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
	cacheable := d.Again == ""
	if cacheable {
		errorPages.RLock()
		b, ok := errorPages.m[d]
		errorPages.RUnlock()
		if ok {
			return b, nil
		}
	}
	var buf bytes.Buffer
	if err := errorPage.Execute(&buf, d); err != nil {
		return nil, fmt.Errorf("rendering error page: %w", err)
	}
	if cacheable {
		errorPages.Lock()
		if errorPages.m == nil {
			errorPages.m = make(map[ErrorData][]byte)
		}
		if len(errorPages.m) < maxCachedErrorPages {
			errorPages.m[d] = buf.Bytes()
		}
		errorPages.Unlock()
	}
	return buf.Bytes(), nil
}
