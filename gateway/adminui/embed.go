// Package adminui is the live dashboard the admin listener serves at /:
// one HTML page, its script and style sheet, and uPlot (a small canvas
// chart library, vendored from npm as uplot@1.6.32 with its MIT license in
// LICENSE-uPlot). Everything is embedded: the page loads nothing from
// anywhere else, so it works on an isolated operator network.
package adminui

import (
	"embed"
	"path"
)

//go:embed index.html dash.js dash.css uPlot.iife.min.js uPlot.min.css LICENSE-uPlot
var files embed.FS

// Page is the dashboard's HTML.
func Page() []byte {
	b, _ := files.ReadFile("index.html") // embedded: cannot fail
	return b
}

// Asset returns an asset of the page by its file name, with its content
// type; ok is false for any other name.
func Asset(name string) (data []byte, contentType string, ok bool) {
	var ct string
	switch path.Ext(name) {
	case ".js":
		ct = "text/javascript; charset=utf-8"
	case ".css":
		ct = "text/css; charset=utf-8"
	default:
		if name != "LICENSE-uPlot" {
			return nil, "", false
		}
		ct = "text/plain; charset=utf-8"
	}
	if name == "index.html" || name == "embed.go" {
		return nil, "", false
	}
	b, err := files.ReadFile(name)
	if err != nil {
		return nil, "", false
	}
	return b, ct, true
}
