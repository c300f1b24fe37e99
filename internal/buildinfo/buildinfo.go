// Package buildinfo reports the version of the running tend binary.
package buildinfo

import (
	"runtime"
	"runtime/debug"
)

// Version is set at link time with -ldflags "-X github.com/tendhq/tend/internal/buildinfo.Version=v1.2.3".
// When empty, the module version or VCS revision recorded by the Go toolchain is used.
var Version = ""

// Info describes the binary.
type Info struct {
	Version   string `json:"version"`
	Revision  string `json:"revision,omitempty"`
	GoVersion string `json:"go_version"`
}

// Get returns the build information of the running binary.
func Get() Info {
	info := Info{Version: Version, GoVersion: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			info.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				info.Revision = s.Value
			}
		}
	}
	if info.Version == "" {
		info.Version = "dev"
	}
	return info
}
