package gateway

import (
	"bytes"

	"github.com/valyala/fasthttp"

	"github.com/anteroom/anteroom/static"
)

// plainError is the one place the gateway's own errors are rendered: the
// error page, in the waiting page's look, for a browser (a client that
// accepts text/html); {"error": msg} for a client asking for JSON; plain
// text for anything else. msg is a sentence the shopper can act on; the
// cause is never shown.
func (g *Gateway) plainError(ctx *fasthttp.RequestCtx, code int, msg string) {
	g.tele.countCode(code)
	ctx.SetStatusCode(code)
	ctx.Response.Header.Set("Cache-Control", "no-store")
	switch {
	case wantsJSON(ctx):
		g.jsonError(ctx, code, msg)
		return
	case wantsHTML(ctx):
		d := static.ErrorData{Code: code, Heading: errorHeading(code), Message: msg}
		if code >= 500 || code == fasthttp.StatusTooManyRequests {
			if ctx.IsGet() || ctx.IsHead() {
				// Trying again is the advice; repeating a POST is not ours
				// to offer.
				d.Again = string(ctx.URI().RequestURI())
			}
		}
		page, err := static.ErrorPage(d)
		if err != nil {
			g.log.Error("rendering error page", "err", err)
			break
		}
		ctx.SetContentType("text/html; charset=utf-8")
		ctx.Response.Header.Set("X-Content-Type-Options", "nosniff")
		ctx.Response.Header.Set("Content-Security-Policy", pageCSP)
		ctx.Response.SetBodyRaw(page)
		return
	}
	ctx.SetContentType("text/plain; charset=utf-8")
	ctx.SetBodyString(msg + "\n")
}

// wantsHTML reports whether the client is a browser asking for a page.
func wantsHTML(ctx *fasthttp.RequestCtx) bool {
	return bytes.Contains(ctx.Request.Header.Peek("Accept"), []byte("text/html"))
}

// errorHeading is the error page's title for a status: what happened, in
// a shopper's words.
func errorHeading(code int) string {
	switch code {
	case fasthttp.StatusBadRequest:
		return "This request could not be understood"
	case fasthttp.StatusForbidden:
		return "This request is not allowed"
	case fasthttp.StatusNotFound:
		return "Page not found"
	case fasthttp.StatusMethodNotAllowed:
		return "This request is not allowed here"
	case fasthttp.StatusRequestTimeout:
		return "The request took too long"
	case fasthttp.StatusConflict:
		return "This can't be done"
	case fasthttp.StatusRequestEntityTooLarge, fasthttp.StatusRequestHeaderFieldsTooLarge:
		return "The request is too large"
	case fasthttp.StatusTooManyRequests:
		return "Please slow down"
	case fasthttp.StatusBadGateway:
		return "The shop can't be reached"
	case fasthttp.StatusServiceUnavailable:
		return "The shop is very busy"
	case fasthttp.StatusGatewayTimeout:
		return "The shop is taking too long"
	}
	if code >= 500 {
		return "Something went wrong"
	}
	return "This request can't be answered"
}
