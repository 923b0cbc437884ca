package gateway

import (
	"bytes"

	"github.com/valyala/fasthttp"

	"github.com/anteroom/anteroom/static"
)

// builtinTexts speaks to a request outside any room: the built-in words,
// chosen by Accept-Language alone.
var builtinTexts = func() *static.Texts {
	ts, err := static.NewTexts("", nil)
	if err != nil {
		panic("gateway: built-in texts: " + err.Error()) // no overrides: cannot fail
	}
	return ts
}()

// plainError is roomError for a request that belongs to no room (yet).
func (g *Gateway) plainError(ctx *fasthttp.RequestCtx, code int, msg static.ErrorMessage) {
	g.roomError(ctx, nil, code, msg)
}

// roomError is the one place the gateway's own errors are rendered, in the
// shopper's language (room r's page.language and page.strings when r is
// not nil): the error page, in the waiting page's look, for a browser (a
// client that accepts text/html); {"error": message, "code": msg.Code()}
// for a client asking for JSON, the code being the same in every language;
// the plain message for anything else. The cause is never shown.
func (g *Gateway) roomError(ctx *fasthttp.RequestCtx, r *room, code int, msg static.ErrorMessage) {
	g.tele.countCode(code)
	ctx.SetStatusCode(code)
	ctx.Response.Header.Set("Cache-Control", "no-store")
	texts := builtinTexts
	if r != nil {
		texts = r.page.texts
	}
	if !texts.Fixed() {
		ctx.Response.Header.Set("Vary", "Accept-Language")
	}
	text := texts.For(ctx.Request.Header.Peek("Accept-Language"))
	switch {
	case wantsJSON(ctx):
		g.jsonErrorCode(ctx, code, text.ErrorMessage(msg), msg.Code())
		return
	case wantsHTML(ctx):
		d := text.ErrorData(code, msg)
		if code >= 500 || code == fasthttp.StatusTooManyRequests {
			if ctx.IsGet() || ctx.IsHead() {
				// Trying again is the advice; repeating a POST is not ours
				// to offer.
				d.Again = string(ctx.URI().RequestURI())
			}
		}
		ctx.Response.ResetBody()
		if err := static.WriteErrorPage(ctx, d); err != nil {
			g.log.Error("rendering error page", "err", err)
			break
		}
		ctx.SetContentType("text/html; charset=utf-8")
		ctx.Response.Header.Set("X-Content-Type-Options", "nosniff")
		ctx.Response.Header.Set("Content-Security-Policy", pageCSP)
		return
	}
	ctx.SetContentType("text/plain; charset=utf-8")
	ctx.Response.SetBodyString(text.ErrorMessage(msg))
	ctx.Response.AppendBodyString("\n")
}

// wantsHTML reports whether the client is a browser asking for a page.
func wantsHTML(ctx *fasthttp.RequestCtx) bool {
	return bytes.Contains(ctx.Request.Header.Peek("Accept"), []byte("text/html"))
}
