package static

import (
	"bytes"
	"fmt"
	"html/template"
	"sync"
)

// ErrorData is what the error page shows: the gateway's own answers that
// are not the waiting page (the shop is busy or unreachable, a request was
// refused), in the waiting page's look.
type ErrorData struct {
	Code    int    // the HTTP status, shown small
	Heading string // a few words: "The shop is very busy"
	Message string // one or two plain sentences: what happened, what to do
	Again   string // a same-site path to try again ("" for none)
}

var errorPage = template.Must(template.New("error.html").Funcs(funcs).ParseFS(files, "templates/error.html"))

// errorPages caches rendered pages: the gateway says few different things,
// and the busiest moments (an overloaded shop) are when rendering should
// cost nothing. Keys are whole ErrorData values; Again is left out of what
// is cached, since it varies per request.
var errorPages sync.Map // ErrorData → []byte

// maxCachedErrorPages bounds the cache whatever a caller passes.
const maxCachedErrorPages = 256

var errorPageCount struct {
	sync.Mutex
	n int
}

// ErrorPage returns the error page for d. The bytes may be shared: the
// caller must not change them.
func ErrorPage(d ErrorData) ([]byte, error) {
	d.Again = sitePath(d.Again, "")
	cacheable := d.Again == ""
	if cacheable {
		if b, ok := errorPages.Load(d); ok {
			return b.([]byte), nil
		}
	}
	var buf bytes.Buffer
	if err := errorPage.Execute(&buf, d); err != nil {
		return nil, fmt.Errorf("rendering error page: %w", err)
	}
	if cacheable {
		errorPageCount.Lock()
		if errorPageCount.n < maxCachedErrorPages {
			if _, loaded := errorPages.LoadOrStore(d, buf.Bytes()); !loaded {
				errorPageCount.n++
			}
		}
		errorPageCount.Unlock()
	}
	return buf.Bytes(), nil
}
