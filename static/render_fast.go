package static

import "sync"

// The gateway renders the built-in page for every shopper who arrives without a
// ticket, which in a flash sale is everyone at once; executing it with html/template
// costs tens of microseconds and hundreds of allocations. The fast renderer appends
// the page compiled from the same template (see compilePage) into a pooled buffer
// instead, and tests hold its output to html/template's byte for byte.

// builtIn is the built-in page compiled for the fast renderer. If waiting.html ever
// uses something compilePage does not know, builtInErr says what, Render falls back to
// html/template, and TestBuiltInPageCompiles fails.
var builtIn, builtInErr = compilePage(page)

// A step appends one piece of the page.
type step interface {
	appendTo(dst []byte, r *renderer) []byte
}

// literal is the template's own text, or a value that is the same on every page.
type literal []byte

func (l literal) appendTo(dst []byte, _ *renderer) []byte { return append(dst, l...) }

// hole is one {{action}}: its value computed from the page data, then escaped as
// html/template would escape it in that place.
type hole struct {
	value  func(dst []byte, d *PageData) []byte
	escape func(dst, s []byte) []byte // nil for a template.HTMLAttr in a tag: printed as it is
}

func (h hole) appendTo(dst []byte, r *renderer) []byte {
	if h.escape == nil {
		return h.value(dst, &r.d)
	}
	r.scratch = h.value(r.scratch[:0], &r.d)
	return h.escape(dst, r.scratch)
}

// branch is {{if}}…{{else}}…{{end}}.
type branch struct {
	cond      func(d *PageData) bool
	then, els []step
}

func (b branch) appendTo(dst []byte, r *renderer) []byte {
	if b.cond(&r.d) {
		return appendSteps(dst, b.then, r)
	}
	return appendSteps(dst, b.els, r)
}

func appendSteps(dst []byte, steps []step, r *renderer) []byte {
	for _, s := range steps {
		dst = s.appendTo(dst, r)
	}
	return dst
}

// renderer holds one render's data and buffers; renderers are pooled so that a page
// costs no allocation once the buffers have grown to the page's size.
type renderer struct {
	d       PageData
	out     []byte
	scratch []byte // a value before it is escaped
}

var renderers = sync.Pool{New: func() any { return new(renderer) }}

// maxPooledBuffer keeps a page with a huge message from pinning its buffer forever.
const maxPooledBuffer = 64 << 10

// appendPage appends the page that steps make for d, which must be normalized.
func (r *renderer) appendPage(dst []byte, steps []step, d PageData) []byte {
	r.d = d
	dst = appendSteps(dst, steps, r)
	r.d = PageData{} // a pooled renderer keeps nothing from the request
	return dst
}

func (r *renderer) release() {
	if cap(r.out) > maxPooledBuffer || cap(r.scratch) > maxPooledBuffer {
		return
	}
	r.out, r.scratch = r.out[:0], r.scratch[:0]
	renderers.Put(r)
}
