package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// buildVersion is set at build time: -ldflags "-X main.buildVersion=v1.2.3".
var buildVersion = ""

func version(args []string, stdout, stderr io.Writer) int {
	if code := parseFlags(newFlags("version", stderr), args); code != 0 {
		return code
	}
	v := buildVersion
	if v == "" {
		v = "devel"
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
	}
	fmt.Fprintf(stdout, "anteroom %s %s %s/%s\n", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return 0
}
