package buildinfo

import (
	"runtime/debug"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	bi := &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.time", Value: "2026-12-01T10:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	got := fromBuildInfo(Info{}, bi)
	if got.Version != "v1.4.0" || got.Revision != "abc123" || got.BuildDate != "2026-12-01T10:00:00Z" || !got.Modified {
		t.Errorf("from the toolchain: %+v", got)
	}
	// Link-time values win.
	got = fromBuildInfo(Info{Version: "v2.0.0", Revision: "def456", BuildDate: "2026-12-03T12:00:00Z"}, bi)
	if got.Version != "v2.0.0" || got.Revision != "def456" || got.BuildDate != "2026-12-03T12:00:00Z" || got.Modified {
		t.Errorf("with -X: %+v", got)
	}
	if got := fromBuildInfo(Info{}, &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}); got.Version != "" || got.Revision != "" {
		t.Errorf("a devel build: %+v", got)
	}
}
