package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
)

//go:embed assets/waiting.css assets/waiting.js templates/waiting.html templates/error.html lang/*.json
var files embed.FS

// AssetPrefix is the path under which the gateway serves [Asset]s.
const AssetPrefix = "/.anteroom/assets/"

type asset struct {
	data        []byte
	contentType string
	etag        string // quoted, for the ETag header
	url         string // AssetPrefix + name + "?v=" + hash, for links
}

var assets = map[string]asset{
	"waiting.css": loadAsset("waiting.css", "text/css; charset=utf-8"),
	"waiting.js":  loadAsset("waiting.js", "text/javascript; charset=utf-8"),
}

func loadAsset(name, contentType string) asset {
	data, err := files.ReadFile("assets/" + name)
	if err != nil {
		panic(fmt.Sprintf("static: embedded asset %s: %v", name, err))
	}
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:8])
	return asset{
		data:        data[:len(data):len(data)],
		contentType: contentType,
		etag:        `"` + hash + `"`,
		url:         AssetPrefix + name + "?v=" + hash,
	}
}

// Asset returns the content and Content-Type of a built-in asset ("waiting.css" or
// "waiting.js"), served at /.anteroom/assets/<name>; ok is false for any other name.
// The bytes are shared: callers must not modify them. Since the page links assets with a
// ?v= query that changes whenever their content does, they may be served with a long
// max-age.
func Asset(name string) (data []byte, contentType string, ok bool) {
	a, ok := assets[name]
	return a.data, a.contentType, ok
}

// AssetETag returns the strong entity tag of a built-in asset, double quotes included,
// ready for the ETag header; "" for an unknown name. It changes whenever the content
// does.
func AssetETag(name string) string {
	return assets[name].etag
}

// assetURL is the template function asset: the versioned URL of a built-in asset.
func assetURL(name string) (string, error) {
	a, ok := assets[name]
	if !ok {
		return "", fmt.Errorf("unknown asset %q (want waiting.css or waiting.js)", name)
	}
	return a.url, nil
}
