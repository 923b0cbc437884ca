package gateway

import (
	"bytes"
	"net/url"
	"strconv"
	"unicode/utf8"

	"github.com/valyala/fasthttp"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/static"
)

// page answers a waiting shopper on a room path: the waiting page, or the
// same fields as /.anteroom/status in JSON for clients that ask for it.
func (g *Gateway) page(ctx *fasthttp.RequestCtx, r *room, st queue.Status, code int) {
	if code == fasthttp.StatusOK {
		g.tele.count(outPage)
	} else {
		g.tele.countCode(code)
	}
	ctx.SetStatusCode(code)
	ctx.Response.Header.Set("Cache-Control", "no-store")
	if wantsJSON(ctx) {
		g.writeStatusTo(ctx, r, st, ctx.URI().RequestURI())
		return
	}
	back := string(ctx.URI().RequestURI())
	// The status's Position is the ticket's place in the opening order, which
	// never changes; the shopper's place in line is the people still ahead, plus one.
	var place uint64
	if st.Position > 0 {
		place = st.Ahead + 1
	}
	d := static.PageData{
		Title:          r.cfg.Page.Title,
		Room:           r.name,
		State:          string(st.State),
		Position:       place,
		Ahead:          st.Ahead,
		Ticket:         st.Position,
		ETALow:         st.ETALow,
		ETAHigh:        st.ETAHigh,
		Progress:       st.Progress,
		PollAfterMS:    st.PollAfterMS,
		OpensInSeconds: st.OpensInSeconds,
		Redirect:       back,
		StatusURL:      "/.anteroom/status?room=" + url.QueryEscape(r.name) + "&return=" + url.QueryEscape(back),
		Message:        st.Message,
		MessageCount:   st.Count,
		Text:           r.page.texts.For(ctx.Request.Header.Peek("Accept-Language")),
		Notice:         r.cfg.Page.Message,
		HomeURL:        r.cfg.Page.HomeURL,
		Logo:           r.page.logo,
		Style:          r.page.style,
	}
	if !r.page.texts.Fixed() {
		ctx.Response.Header.Set("Vary", "Accept-Language")
	}
	ctx.SetContentType("text/html; charset=utf-8")
	ctx.Response.Header.Set("X-Content-Type-Options", "nosniff")
	ctx.Response.Header.Set("Content-Security-Policy", r.page.csp)
	var err error
	if r.page.tmpl != nil {
		err = static.RenderWith(r.page.tmpl, ctx, d)
	} else {
		err = static.Render(ctx, d)
	}
	if err != nil {
		g.log.Error("rendering waiting page", "room", r.name, "err", err)
		ctx.Response.ResetBody()
		g.roomError(ctx, r, fasthttp.StatusInternalServerError, static.MsgPageFailed)
	}
}

// pageCSP is the Content-Security-Policy of every page the gateway serves:
// its own scripts and styles only (a room with page.accent_color adds the
// hash of its one <style> element, see loadPage).
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// wantsJSON reports whether the client asked for JSON rather than a page.
func wantsJSON(ctx *fasthttp.RequestCtx) bool {
	return bytes.Contains(ctx.Request.Header.Peek("Accept"), []byte("application/json"))
}

// writeStatus answers /.anteroom/status; the way back to the shop is the
// page's "return" argument, if it is a path on this site.
func (g *Gateway) writeStatus(ctx *fasthttp.RequestCtx, r *room, st queue.Status) {
	g.writeStatusTo(ctx, r, st, ctx.QueryArgs().Peek("return"))
}

func (g *Gateway) writeStatusTo(ctx *fasthttp.RequestCtx, r *room, st queue.Status, back []byte) {
	if !isLocalPath(back) {
		back = []byte("/")
	}
	var scratch [512]byte
	ctx.SetBody(appendStatusJSON(scratch[:0], st, back))
	ctx.SetContentType("application/json")
}

// isLocalPath accepts only a path on this site: "/x", never "//host" or
// "/\host", which browsers take for another site.
func isLocalPath(p []byte) bool {
	return len(p) > 0 && p[0] == '/' && (len(p) == 1 || (p[1] != '/' && p[1] != '\\'))
}

// appendStatusJSON writes the status answer of SPEC by hand: it is the most
// frequent answer the gateway gives, and encoding/json would allocate.
func appendStatusJSON(b []byte, st queue.Status, redirect []byte) []byte {
	b = append(b, `{"room":`...)
	b = appendJSONString(b, st.Room)
	b = append(b, `,"state":`...)
	b = appendJSONString(b, string(st.State))
	b = append(b, `,"position":`...)
	b = strconv.AppendUint(b, st.Position, 10)
	b = append(b, `,"ahead":`...)
	b = strconv.AppendUint(b, st.Ahead, 10)
	b = append(b, `,"eta_seconds":[`...)
	b = strconv.AppendInt(b, int64(st.ETALow), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(st.ETAHigh), 10)
	b = append(b, `],"progress":`...)
	b = strconv.AppendInt(b, int64(st.Progress), 10)
	b = append(b, `,"poll_after_ms":`...)
	b = strconv.AppendInt(b, int64(st.PollAfterMS), 10)
	b = append(b, `,"opens_in_seconds":`...)
	b = strconv.AppendInt(b, int64(st.OpensInSeconds), 10)
	b = append(b, `,"redirect":`...)
	if st.State == queue.StateAdmitted {
		b = appendJSONString(b, string(redirect))
	} else {
		b = append(b, `""`...)
	}
	if st.Message != "" {
		b = append(b, `,"message":`...)
		b = appendJSONString(b, st.Message)
	}
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as a JSON string; <, > and & are escaped too
// so the answer is safe wherever it ends up.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
			continue
		}
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20 || c == '<' || c == '>' || c == '&':
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			b = append(b, c)
		}
		i++
	}
	return append(b, '"')
}

// jsonError answers an API client with {"error": msg}.
func (g *Gateway) jsonError(ctx *fasthttp.RequestCtx, code int, msg string) {
	g.jsonErrorCode(ctx, code, msg, "")
}

// jsonErrorCode is jsonError with a machine code, {"error": msg, "code":
// machine}, when machine is not empty: msg is in the shopper's language,
// the code the same in all.
func (g *Gateway) jsonErrorCode(ctx *fasthttp.RequestCtx, code int, msg, machine string) {
	ctx.SetStatusCode(code)
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ctx.SetContentType("application/json")
	var scratch [512]byte
	b := append(scratch[:0], `{"error":`...)
	b = appendJSONString(b, msg)
	if machine != "" {
		b = append(b, `,"code":`...)
		b = appendJSONString(b, machine)
	}
	ctx.SetBody(append(b, '}'))
}
