package events

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/store"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var now = time.Date(2026, 11, 21, 12, 30, 0, 0, time.UTC)

// parsers by testdata directory; github files are deployment_status when
// their name says so.
func parse(dir, name string, body []byte) ([]store.Event, error) {
	scope := Scope{}
	switch dir {
	case "native":
		return ParseNative(body, scope, now)
	case "cloudtrail":
		return ParseCloudTrail(body, scope, now)
	case "kubernetes":
		return ParseKubernetes(body, Scope{Namespace: "eu-1/prod"}, now)
	case "github":
		kind := "deployment"
		if strings.HasPrefix(name, "deployment_status") {
			kind = "deployment_status"
		}
		return ParseGitHub(kind, "d-1", body, Scope{Stack: "shop"}, now)
	case "grafana":
		return ParseGrafana(body, scope, now)
	}
	panic(dir)
}

// TestParsersGolden runs every testdata input through its parser and
// compares the events (or the error) with the .golden file beside it.
func TestParsersGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/*/*.json")
	if len(files) < 15 {
		t.Fatalf("only %d testdata inputs", len(files))
	}
	for _, f := range files {
		dir, name := filepath.Base(filepath.Dir(f)), filepath.Base(f)
		t.Run(dir+"/"+name, func(t *testing.T) {
			body, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			evs, err := parse(dir, name, body)
			var got []byte
			if err != nil {
				got = []byte("error: " + err.Error() + "\n")
			} else {
				for i := range evs {
					evs[i].ID = "evt-" + strings.Repeat("X", 4) // random part of the id
				}
				got, _ = json.MarshalIndent(evs, "", "  ")
				got = append(got, '\n')
			}
			golden := strings.TrimSuffix(f, ".json") + ".golden"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if string(got) != string(want) {
				t.Errorf("%s:\ngot  %s\nwant %s", f, got, want)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	for _, tt := range []struct{ src, name, want string }{
		{"lambda.amazonaws.com", "UpdateFunctionCode", store.EventDeployment},
		{"lambda.amazonaws.com", "CreateFunction", store.EventDeployment},
		{"lambda.amazonaws.com", "UpdateFunctionConfiguration", store.EventConfigChange},
		{"cloudformation.amazonaws.com", "CreateChangeSet", store.EventInfrastructure},
		{"cloudformation.amazonaws.com", "ExecuteChangeSet", store.EventInfrastructure},
		{"ec2.amazonaws.com", "ModifyInstanceAttribute", store.EventConfigChange},
		{"ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", store.EventSecurityChange},
		{"iam.amazonaws.com", "PutRolePolicy", store.EventSecurityChange},
		{"iam.amazonaws.com", "TagRole", store.EventSecurityChange},
		{"dynamodb.amazonaws.com", "UpdateTable", store.EventSchemaChange},
		{"", "run db migration 0042", store.EventSchemaChange},
		{"", "deploy checkout v42", store.EventDeployment},
		{"", "something else", store.EventInfrastructure},
	} {
		if got := Classify(tt.src, tt.name); got != tt.want {
			t.Errorf("Classify(%q, %q) = %s, want %s", tt.src, tt.name, got, tt.want)
		}
	}
}

func signGitHub(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func TestVerifyGitHub(t *testing.T) {
	body := []byte(`{"zen":"Keep it logically awesome."}`)
	good := signGitHub("s3cret", body)
	if want := "sha256=" + opensslHMAC(t, "s3cret", body); want != "sha256=" && want != good {
		t.Fatalf("HMAC %s, openssl says %s", good, want)
	}
	if err := VerifyGitHub("s3cret", good, body); err != nil {
		t.Errorf("valid signature refused: %v", err)
	}
	for _, bad := range []string{"", "sha1=abc", "sha256=zz", good + "0", signGitHub("other", body)} {
		if err := VerifyGitHub("s3cret", bad, body); err == nil {
			t.Errorf("signature %q accepted", bad)
		}
	}
	if err := VerifyGitHub("", good, body); err == nil {
		t.Error("accepted a delivery with no secret configured")
	}
}

func TestLinkRanksByResourceThenTime(t *testing.T) {
	start := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	in := store.Insight{ID: "ins-1", BoundaryKind: "stack", BoundaryName: "shop", StartedAt: start,
		Resources: []store.InsightResource{{ID: "function/checkout", Type: "function", Name: "checkout"}}}
	ev := func(id string, before time.Duration, r []store.EventResource, stack string) store.Event {
		return store.Event{ID: id, Time: start.Add(-before), Name: id, Resources: r, Stack: stack}
	}
	fn := []store.EventResource{{Type: "function", ID: "arn:aws:lambda:eu-west-1:1:function:checkout"}}
	other := []store.EventResource{{Name: "payments"}}
	got := Link(in, nil, []store.Event{
		ev("same-resource-10m", 10*time.Minute, fn, ""),
		ev("same-resource-2h", 2*time.Hour, fn, ""),
		ev("same-stack-5m", 5*time.Minute, other, "shop"),
		ev("other-stack", 5*time.Minute, other, "billing"),
		ev("too-early", 4*time.Hour, fn, ""),
		ev("during", -10*time.Minute, fn, ""),
	}, 0, start.Add(time.Hour))
	var ids []string
	for _, r := range got {
		ids = append(ids, r.ID+"/"+r.Relation)
	}
	want := "same-resource-10m/resource same-stack-5m/boundary during/resource same-resource-2h/resource"
	if strings.Join(ids, " ") != want {
		t.Errorf("linked %v, want %s", ids, want)
	}
}

// opensslHMAC computes the HMAC with openssl, when it is installed, so
// the signature is checked against an implementation other than Go's.
func opensslHMAC(t *testing.T, key string, body []byte) string {
	path, err := exec.LookPath("openssl")
	if err != nil {
		return ""
	}
	cmd := exec.Command(path, "dgst", "-sha256", "-hmac", key)
	cmd.Stdin = bytes.NewReader(body)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("openssl: %v", err)
	}
	f := strings.Fields(string(out))
	return f[len(f)-1]
}
