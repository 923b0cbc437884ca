// Package demo is anteroom's built-in demonstration: a small shop served
// in-process on loopback, the gateway in front of it, and optionally a
// crowd of simulated shoppers so that a newcomer sees a real queue move.
package demo

import (
	"fmt"
	"html/template"
	"net/http"
	"strings"
)

// product is one item of the demo shop.
type product struct {
	ID, Name, Blurb string
	Price           int
}

var products = []product{
	{"console", "Game console, limited edition", "The one everybody is queuing for.", 499},
	{"controller", "Wireless controller", "Two are better than one.", 69},
	{"headset", "Surround headset", "Hear them before they see you.", 129},
}

// Shop is the demo origin: a product list, product pages and a checkout.
// It shows the headers the gateway adds, so a newcomer sees what a real
// shop would receive.
func Shop() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		render(w, r, "Shop", listTmpl, products)
	})
	mux.HandleFunc("GET /product/{id}", func(w http.ResponseWriter, r *http.Request) {
		for _, p := range products {
			if p.ID == r.PathValue("id") {
				render(w, r, p.Name, productTmpl, p)
				return
			}
		}
		http.NotFound(w, r)
	})
	mux.HandleFunc("GET /checkout", func(w http.ResponseWriter, r *http.Request) {
		render(w, r, "Checkout", checkoutTmpl, nil)
	})
	mux.HandleFunc("POST /checkout/submit", func(w http.ResponseWriter, r *http.Request) {
		render(w, r, "Thank you", doneTmpl, nil)
	})
	mux.HandleFunc("GET /static/shop.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fmt.Fprint(w, shopCSS)
	})
	return mux
}

type pageData struct {
	Title   string
	Session string
	Room    string
	Client  string
	Body    any
}

func render(w http.ResponseWriter, r *http.Request, title string, body *template.Template, data any) {
	var sb strings.Builder
	if err := body.Execute(&sb, data); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	layoutTmpl.Execute(w, pageData{
		Title:   title,
		Session: r.Header.Get("X-Anteroom-Session"),
		Room:    r.Header.Get("X-Anteroom-Room"),
		Client:  r.Header.Get("X-Forwarded-For"),
		Body:    template.HTML(sb.String()),
	})
}

var layoutTmpl = template.Must(template.New("layout").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{.Title}} · Demo shop</title><link rel="stylesheet" href="/static/shop.css"></head>
<body><header><a href="/">Demo shop</a><a href="/checkout">Checkout</a></header>
<main id="shop">{{.Body}}</main>
<footer>You are shopping: room <code>{{.Room}}</code>, session <code>{{.Session}}</code>, seen from <code>{{.Client}}</code>.
<form method="post" action="/.anteroom/leave"><button>Leave the shop (frees your slot)</button></form></footer>
</body></html>`))

var listTmpl = template.Must(template.New("list").Parse(`<h1>Today's drop</h1><ul>
{{range .}}<li><a href="/product/{{.ID}}">{{.Name}}</a> — ${{.Price}}</li>{{end}}</ul>`))

var productTmpl = template.Must(template.New("product").Parse(`<h1>{{.Name}}</h1><p>{{.Blurb}}</p><p>${{.Price}}</p>
<p><a href="/checkout">Buy now</a></p>`))

var checkoutTmpl = template.Must(template.New("checkout").Parse(`<h1>Checkout</h1>
<form method="post" action="/checkout/submit"><label>Name <input name="name" autocomplete="name"></label>
<button>Place order</button></form>`))

var doneTmpl = template.Must(template.New("done").Parse(`<h1>Order placed</h1><p>Thank you! This is a demo: nothing was charged.</p>`))

const shopCSS = `body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1b1b1b}
header{display:flex;gap:1rem;padding:1rem;background:#10243e}header a{color:#fff}
main{max-width:40rem;margin:2rem auto;padding:0 1rem}footer{max-width:40rem;margin:2rem auto;padding:1rem;font-size:.85rem;color:#555}`
