// Package buildinfo reports the version of the running tend binary.
package buildinfo

import (
	"runtime"
	"runtime/debug"
)

// Version, Commit and Date are set at link time by release builds
// (scripts/release.sh):
//
//	-ldflags "-X github.com/tendhq/tend/internal/buildinfo.Version=v1.2.3
//	          -X github.com/tendhq/tend/internal/buildinfo.Commit=<sha>
//	          -X github.com/tendhq/tend/internal/buildinfo.Date=2026-12-03T12:00:00Z"
//
// When empty, what the Go toolchain recorded is used: the module version
// (go install …@v1.2.3) and the VCS revision and commit time (a build in a
// git checkout without -buildvcs=false).
var Version, Commit, Date string

// Info describes the binary.
type Info struct {
	Version   string `json:"version"`
	Revision  string `json:"revision,omitempty"`
	BuildDate string `json:"build_date,omitempty"`
	// Modified is true for a build from a checkout with uncommitted changes.
	Modified  bool   `json:"modified,omitempty"`
	GoVersion string `json:"go_version"`
}

// Get returns the build information of the running binary.
func Get() Info {
	info := Info{Version: Version, Revision: Commit, BuildDate: Date, GoVersion: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		info = fromBuildInfo(info, bi)
	}
	if info.Version == "" {
		info.Version = "dev"
	}
	return info
}

// fromBuildInfo fills what link-time values left empty from the
// toolchain's record.
func fromBuildInfo(info Info, bi *debug.BuildInfo) Info {
	if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		info.Version = bi.Main.Version
	}
	vcs := info.Revision == "" // the revision, and whether it was modified, from the toolchain
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if info.Revision == "" {
				info.Revision = s.Value
			}
		case "vcs.time":
			if info.BuildDate == "" {
				info.BuildDate = s.Value
			}
		case "vcs.modified":
			info.Modified = vcs && s.Value == "true"
		}
	}
	return info
}
