package events

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/store"
)

// seed adds the testdata inputs of dir to the corpus.
func seed(f *testing.F, dir string) {
	files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
}

// assertValid holds for every parser: an error names a field or says
// what is wrong; an accepted event is complete and within the limits.
func assertValid(t *testing.T, evs []store.Event, err error) {
	t.Helper()
	if err != nil {
		if _, ok := err.(*FieldError); !ok {
			t.Fatalf("error %v is not a *FieldError", err)
		}
		return
	}
	if len(evs) > MaxPerRequest {
		t.Fatalf("%d events", len(evs))
	}
	for _, ev := range evs {
		if ev.ID == "" || ev.Key == "" || ev.Source == "" || ev.Name == "" || ev.Time.IsZero() || !validClass(ev.Class) {
			t.Fatalf("incomplete event %+v", ev)
		}
		if len(ev.Name) > maxName || len(ev.Resources) > maxResources || len(ev.Links) > maxLinks || len(ev.Details) > maxDetails {
			t.Fatalf("event beyond the limits: %+v", ev)
		}
		if ev.Time.After(now.Add(24 * time.Hour)) {
			t.Fatalf("event in the future: %s", ev.Time)
		}
	}
}

func FuzzParseNative(f *testing.F) {
	seed(f, "native")
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, err := ParseNative(body, Scope{}, now)
		assertValid(t, evs, err)
	})
}

func FuzzParseCloudTrail(f *testing.F) {
	seed(f, "cloudtrail")
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, err := ParseCloudTrail(body, Scope{}, now)
		assertValid(t, evs, err)
	})
}

func FuzzParseKubernetes(f *testing.F) {
	seed(f, "kubernetes")
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, err := ParseKubernetes(body, Scope{}, now)
		assertValid(t, evs, err)
	})
}

func FuzzParseGitHub(f *testing.F) {
	seed(f, "github")
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, kind := range []string{"deployment", "deployment_status"} {
			evs, err := ParseGitHub(kind, "d", body, Scope{}, now)
			assertValid(t, evs, err)
		}
	})
}

func FuzzParseGrafana(f *testing.F) {
	seed(f, "grafana")
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, err := ParseGrafana(body, Scope{}, now)
		assertValid(t, evs, err)
	})
}
