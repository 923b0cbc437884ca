package gateway

import (
	"github.com/valyala/fasthttp"

	"github.com/anteroom/anteroom/gateway/adminui"
)

// dashboardCSP lets the dashboard run its own script and talk to this
// listener, nothing else. uPlot sizes its canvas through the CSSOM, which
// style-src does not restrict.
const dashboardCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"

// dashboard serves the live dashboard's page. It holds no figures: the
// page asks for the token and reads the API with it.
func (g *Gateway) dashboard(ctx *fasthttp.RequestCtx, _ adminCall) {
	ctx.SetContentType("text/html; charset=utf-8")
	ctx.Response.Header.Set("Content-Security-Policy", dashboardCSP)
	ctx.Response.Header.Set("X-Content-Type-Options", "nosniff")
	ctx.Response.Header.Set("Referrer-Policy", "no-referrer")
	ctx.SetBody(adminui.Page())
}

// dashboardAsset serves /dashboard/{name}: the page's script, styles and
// uPlot.
func (g *Gateway) dashboardAsset(ctx *fasthttp.RequestCtx, c adminCall) {
	data, ct, ok := adminui.Asset(c.name)
	if !ok {
		adminError(ctx, fasthttp.StatusNotFound, "no such dashboard file: "+quoteName(c.name))
		return
	}
	ctx.SetContentType(ct)
	ctx.Response.Header.Set("X-Content-Type-Options", "nosniff")
	ctx.SetBody(data)
}
