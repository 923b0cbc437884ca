package gateway

import (
	"testing"

	"github.com/valyala/fasthttp"
	"golang.org/x/time/rate"
)

// BenchmarkErrorPage: the gateway's own error answers, whose busiest moment
// is an overloaded shop. A page without a try-again link (404) comes from the
// cache; a GET's 503 has the link, its own URL, and is rendered each time.
func BenchmarkErrorPage(b *testing.B) {
	g := benchGateway(b, 1000)
	// Every request past the origin limit: the shop is busy.
	g.originLimit.SetLimit(rate.Limit(1e-9))
	g.originLimit.SetBurst(0)
	for _, tc := range []struct{ name, path, accept, lang string }{
		{"404/html/en", "/.anteroom/nope", "text/html", ""},
		{"404/html/ar", "/.anteroom/nope", "text/html", "ar-EG,ar;q=0.9,en;q=0.5"},
		{"503/html/de", "/static/x", "text/html", "de-DE,de;q=0.9"},
		{"503/json/ja", "/static/x", "application/json", "ja"},
		{"503/text/en", "/static/x", "*/*", ""},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var req fasthttp.Request
			req.SetRequestURI(tc.path)
			req.Header.SetHost("shop")
			req.Header.Set("Accept", tc.accept)
			if tc.lang != "" {
				req.Header.Set("Accept-Language", tc.lang)
			}
			var ctx fasthttp.RequestCtx
			ctx.Init(&req, benchAddr, nil)
			serveOnce(g, &ctx, &req)
			if code := ctx.Response.StatusCode(); code != fasthttp.StatusNotFound && code != fasthttp.StatusServiceUnavailable {
				b.Fatalf("status %d", code)
			}
			b.ReportAllocs()
			for b.Loop() {
				serveOnce(g, &ctx, &req)
			}
		})
	}
}
