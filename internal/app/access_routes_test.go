package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/access"
	"github.com/tendhq/tend/internal/apikey"
	"github.com/tendhq/tend/internal/app"
	"github.com/tendhq/tend/internal/ingest"
	"github.com/tendhq/tend/internal/ingest/remotewrite"
	"github.com/tendhq/tend/internal/logging"
	"github.com/tendhq/tend/internal/store"
)

// routeRow is how the route table test calls one route. Every route the
// app registers must have a row (keyed by its pattern), so a new route
// cannot be forgotten.
type routeRow struct {
	path  string // the concrete path and query
	body  string
	ctype string
	hdr   map[string]string
	// want is the status with a key of the route's scope over account
	// 111122223333 (the seeded data's). It is 2xx except where noted.
	want int
	// other is what a key of the same scope over another account gets:
	// 404 for a single resource of 111122223333, or 200 for a list, which
	// must then not contain hidden. 0: the route is not about an
	// account's data (configuration, or data with no account).
	other  int
	hidden string
	note   string
}

const testAccount, otherAccount = "111122223333", "444455556666"

// TestEveryRouteAuthorises walks every registered route: no credential →
// 401 (public routes answer without one), the wrong scope → 403, another
// account → 404 or filtered out, the right key → the row's status.
func TestEveryRouteAuthorises(t *testing.T) {
	ctx := context.Background()
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
	defer hook.Close()
	cfg := testConfig(t)
	cfg.Remediation.PolicyDir = t.TempDir()
	cfg.Events.GitHubSecret = "s3cret"
	a, err := app.New(ctx, cfg, app.Options{Logger: logging.Discard()})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop(ctx)
	h := a.Handler()
	st := a.Store()

	key := func(account string, scopes ...access.Scope) string {
		_, k, err := a.Keys().CreateWith(ctx, apikey.Spec{Name: "t", Scopes: scopes, Accounts: []string{account}})
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	right := map[access.Scope]string{access.Read: key(testAccount, access.Read), access.Write: key(testAccount, access.Write), access.Admin: key(testAccount, access.Admin)}
	wrong := map[access.Scope]string{access.Read: key(testAccount, access.Write), access.Write: key(testAccount, access.Read), access.Admin: key(testAccount, access.Read, access.Write)}
	other := map[access.Scope]string{access.Read: key(otherAccount, access.Read), access.Write: key(otherAccount, access.Write), access.Admin: key(otherAccount, access.Admin)}

	do := func(method, path, body, ctype string, hdr map[string]string, k string) (int, string) {
		t.Helper()
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		for n, v := range hdr {
			req.Header.Set(n, v)
		}
		if k != "" {
			req.Header.Set("Authorization", "Bearer "+k)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}

	// The data the rows read: one of each kind, in account 111122223333.
	now := time.Now().UTC()
	in := store.Insight{ID: "ins-acl", Type: store.InsightReactive, Status: store.InsightOngoing, Severity: store.SeverityHigh,
		ProblemType: "CPU_SATURATION", Name: "seeded insight", BoundaryKey: "stack::acl", BoundaryKind: "stack", BoundaryName: "acl",
		Account: testAccount, Region: "eu-west-1", StartedAt: now.Add(-time.Hour), CreatedAt: now.Add(-time.Hour), UpdatedAt: now}
	if err := st.Insights().Create(ctx, in); err != nil {
		t.Fatal(err)
	}
	if err := st.Anomalies().Create(ctx, store.Anomaly{ID: "ano-acl", InsightID: in.ID, Status: store.AnomalyOpen, SeriesID: "s", Metric: "m",
		BoundaryKey: in.BoundaryKey, StartedAt: in.StartedAt, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	evs, _, err := st.Events().Add(ctx, []store.Event{{ID: "evt-acl", Key: "acl-1", Time: now.Add(-2 * time.Hour), Source: "api", Class: store.EventDeployment,
		Name: "seeded event", Account: testAccount, ReceivedAt: now}})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Deployments().Create(ctx, store.Deployment{ID: "dep-acl", Product: "web", Type: "silo", Account: testAccount, Region: "eu-west-1",
		Provider: "process", State: "ACTIVE", Stack: "acl", CreatedAt: now, UpdatedAt: now, NextAt: now}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 2; i++ {
		if _, _, err := st.Catalog().Publish(ctx, store.CatalogVersion{Product: "web", Number: i, Format: "cfn",
			Template: []byte("Resources: {} # v" + string(rune('0'+i)) + "\n"), Active: true, CreatedAt: now}, true, nil); err != nil {
			t.Fatal(err)
		}
	}
	admin := right[access.Admin]
	mustDo := func(method, path, body string, want int) string {
		t.Helper()
		code, out := do(method, path, body, "application/json", nil, admin)
		if code != want {
			t.Fatalf("seed %s %s = %d %s", method, path, code, out)
		}
		return out
	}
	var pr struct {
		ProblemID string `json:"problem_id"`
	}
	_ = json.Unmarshal([]byte(mustDo("POST", "/v1/problems", `{"external_id":"acl-1","state":"OPEN","title":"seeded problem","tags":{"account":"`+testAccount+`"}}`, 202)), &pr)
	if err := st.Runs().Create(ctx, store.Run{ID: "run-acl", Policy: "p", ProblemID: pr.ProblemID, OccurrenceID: "o1", Mode: "approve",
		State: store.RunWaiting, Target: "web", CreatedAt: now, UpdatedAt: now, NextAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ops", "gone"} {
		mustDo("POST", "/v1/channels", `{"name":"`+name+`","type":"webhook","url":"`+hook.URL+`"}`, 201)
	}
	mustDo("PUT", "/v1/embeddings/seed.png", `{"model":"m1","vector":[1,0,0]}`, 200)
	rw, err := remotewrite.Encode([]ingest.Sample{{Metric: "m", Labels: []ingest.Label{{Name: "host", Value: "h"}}, TimeMs: now.UnixMilli(), Value: 1}})
	if err != nil {
		t.Fatal(err)
	}
	k8s, err := os.ReadFile("../events/testdata/kubernetes/event_list.json")
	if err != nil {
		t.Fatal(err)
	}
	ct, err := os.ReadFile("../events/testdata/cloudtrail/update_function_code.json")
	if err != nil {
		t.Fatal(err)
	}
	protobuf := map[string]string{"Content-Encoding": "snappy"}
	const js = "application/json"

	rows := map[string]routeRow{
		"GET /healthz":             {path: "/healthz", want: 200},
		"GET /readyz":              {path: "/readyz", want: 200},
		"GET /metrics":             {path: "/metrics", want: 200, note: "public by default (auth.metrics_public)"},
		"GET /ui/login":            {path: "/ui/login", want: 200},
		"POST /ui/login":           {path: "/ui/login", body: "key=x", ctype: "application/x-www-form-urlencoded", want: 403, note: "public, but only posted from the page (Origin)"},
		"POST /ui/logout":          {path: "/ui/logout", want: 403, note: "public, but only posted from the page (Origin)"},
		"/devops-guru/":            {path: "/devops-guru/insights", body: "{}", ctype: js, want: 403, note: "signed with SigV4 (internal/devopsguru tests it with awscli and boto3)"},
		"POST /v1/webhooks/github": {path: "/v1/webhooks/github", body: "{}", ctype: js, want: 401, note: "signed with the webhook secret (internal/api tests it)"},

		"GET /v1/version": {path: "/v1/version", want: 200},

		"GET /v1/embeddings":                      {path: "/v1/embeddings", want: 200},
		"GET /v1/embeddings/{id...}":              {path: "/v1/embeddings/seed.png", want: 200},
		"POST /v1/embeddings/search":              {path: "/v1/embeddings/search", body: `{"model":"m1","vector":[1,0,0]}`, ctype: js, want: 200},
		"PUT /v1/embeddings/{id...}":              {path: "/v1/embeddings/x.png", body: `{"model":"m1","vector":[0,1,0]}`, ctype: js, want: 200},
		"POST /v1/events":                         {path: "/v1/events", body: `{"time":"` + now.Format(time.RFC3339) + `","name":"deploy","account":"` + testAccount + `"}`, ctype: js, want: 202},
		"POST /v1/events/cloudtrail":              {path: "/v1/events/cloudtrail", body: string(ct), ctype: js, want: 202},
		"POST /v1/events/kubernetes":              {path: "/v1/events/kubernetes", body: string(k8s), ctype: js, want: 202},
		"POST /api/annotations":                   {path: "/api/annotations", body: `{"text":"deploy","time":` + jsonInt(now.UnixMilli()) + `}`, ctype: js, want: 200},
		"GET /v1/events":                          {path: "/v1/events", want: 200, other: 200, hidden: "seeded event"},
		"GET /v1/events/{id}":                     {path: "/v1/events/" + evs[0].ID, want: 200, other: 404},
		"POST /api/v1/write":                      {path: "/api/v1/write", body: string(rw), ctype: "application/x-protobuf", hdr: protobuf, want: 204},
		"POST /v1/metrics":                        {path: "/v1/metrics", body: `{"resourceMetrics":[]}`, ctype: js, want: 200},
		"GET /v1/series":                          {path: "/v1/series", want: 200},
		"GET /v1/insights":                        {path: "/v1/insights", want: 200, other: 200, hidden: in.ID},
		"GET /v1/insights/{id}":                   {path: "/v1/insights/" + in.ID, want: 200, other: 404},
		"GET /v1/anomalies/{id}":                  {path: "/v1/anomalies/ano-acl", want: 200, other: 404},
		"GET /v1/channels":                        {path: "/v1/channels", want: 200},
		"GET /v1/channels/{name}":                 {path: "/v1/channels/ops", want: 200},
		"POST /v1/channels":                       {path: "/v1/channels", body: `{"name":"new","type":"webhook","url":"` + hook.URL + `"}`, ctype: js, want: 201},
		"DELETE /v1/channels/{name}":              {path: "/v1/channels/gone", want: 204},
		"POST /v1/channels/{name}/test":           {path: "/v1/channels/ops/test", want: 200},
		"POST /v1/channels/{name}/retry":          {path: "/v1/channels/ops/retry", want: 200},
		"POST /v1/webhooks/dynatrace":             {path: "/v1/webhooks/dynatrace", body: `{"State":"OPEN","PID":"9","ProblemID":"9","ProblemTitle":"CPU"}`, ctype: js, want: 202},
		"POST /v1/webhooks/alertmanager":          {path: "/v1/webhooks/alertmanager", body: `{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"x"},"fingerprint":"f1"}]}`, ctype: js, want: 202},
		"POST /v1/problems":                       {path: "/v1/problems", body: `{"external_id":"p2","state":"OPEN","title":"t"}`, ctype: js, want: 202},
		"GET /v1/problems":                        {path: "/v1/problems", want: 200, other: 200, hidden: "seeded problem"},
		"GET /v1/problems/{id}":                   {path: "/v1/problems/" + pr.ProblemID, want: 200, other: 404},
		"GET /v1/runs":                            {path: "/v1/runs", want: 200, other: 200, hidden: "run-acl"},
		"GET /v1/runs/{id}":                       {path: "/v1/runs/run-acl", want: 200, other: 404},
		"POST /v1/runs/{id}/approve":              {path: "/v1/runs/run-acl/approve", want: 200, other: 404},
		"POST /v1/runs/{id}/cancel":               {path: "/v1/runs/run-acl/cancel", want: 200, other: 404, note: "the run approved just before is cancelled"},
		"GET /v1/catalog/{product}/versions":      {path: "/v1/catalog/web/versions", want: 200},
		"GET /v1/catalog/{product}/versions/{id}": {path: "/v1/catalog/web/versions/v1", want: 200},
		"GET /v1/catalog/{product}/diff":          {path: "/v1/catalog/web/diff?from=v1&to=v2", want: 200},
		"GET /v1/policies":                        {path: "/v1/policies", want: 200},
		"POST /v1/policies/reload":                {path: "/v1/policies/reload", want: 200},
		"POST /v1/reviews":                        {path: "/v1/reviews?product=web", body: "not a tarball", ctype: "application/gzip", want: 400, note: "a review needs a real tarball (internal/api tests it)"},
		"GET /v1/reviews":                         {path: "/v1/reviews?product=web", want: 200},
		"GET /v1/reviews/gate":                    {path: "/v1/reviews/gate?product=web&block_on_review=high", want: 200},
		"GET /v1/reviews/{id}":                    {path: "/v1/reviews/rev-none", want: 404, note: "no review was made (internal/api tests one)"},
		"GET /v1/deployments":                     {path: "/v1/deployments", want: 200, other: 200, hidden: "dep-acl"},
		"GET /v1/deployments/{id}":                {path: "/v1/deployments/dep-acl", want: 200, other: 404},
		"POST /v1/deployments":                    {path: "/v1/deployments", body: `{"product":"nope","type":"silo","account":"` + testAccount + `","region":"eu-west-1","provider":"process"}`, ctype: js, want: 400, note: "no such product: deploying for real is rollout_e2e_test's"},
		"DELETE /v1/deployments/{id}":             {path: "/v1/deployments/dep-none", want: 404, other: 404, note: "removing for real is rollout_e2e_test's"},
		"GET /v1/rollouts":                        {path: "/v1/rollouts", want: 200},
		"GET /v1/rollouts/{id}":                   {path: "/v1/rollouts/ro-none", want: 404, note: "rollout_e2e_test runs real ones"},
		"POST /v1/rollouts":                       {path: "/v1/rollouts", body: `{"product":"nope"}`, ctype: js, want: 400, note: "rollout_e2e_test runs real ones"},
		"POST /v1/rollouts/{id}/pause":            {path: "/v1/rollouts/ro-none/pause", want: 404},
		"POST /v1/rollouts/{id}/resume":           {path: "/v1/rollouts/ro-none/resume", want: 404},
		"POST /v1/rollouts/{id}/abort":            {path: "/v1/rollouts/ro-none/abort", want: 404},
		"POST /v1/rollouts/{id}/approve":          {path: "/v1/rollouts/ro-none/approve", want: 404},
		"GET /{$}":                                {path: "/", want: 200, other: 200, hidden: "seeded insight"},
		"GET /ui/insights/{id}":                   {path: "/ui/insights/" + in.ID, want: 200, other: 404},
		"GET /ui/runs/{id}":                       {path: "/ui/runs/run-acl", want: 200, other: 404},
		"GET /ui/channels":                        {path: "/ui/channels", want: 200},
	}

	seen := map[string]bool{}
	for _, rt := range a.Routes() {
		seen[rt.Pattern] = true
		row, ok := rows[rt.Pattern]
		if !ok {
			t.Errorf("route %s (scope %s) has no row in TestEveryRouteAuthorises: add one", rt.Pattern, rt.Scope)
			continue
		}
		method, _, found := strings.Cut(rt.Pattern, " ")
		if !found {
			method = "POST"
		}
		t.Run(rt.Pattern, func(t *testing.T) {
			if rt.Scope == access.Public || rt.Scope == access.Signed {
				if code, body := do(method, row.path, row.body, row.ctype, row.hdr, ""); code != row.want {
					t.Fatalf("without a credential: %d %s, want %d (%s)", code, trim(body), row.want, row.note)
				}
				return
			}
			if code, body := do(method, row.path, row.body, row.ctype, row.hdr, ""); code != http.StatusUnauthorized {
				t.Fatalf("without a credential: %d %s, want 401", code, trim(body))
			}
			if code, body := do(method, row.path, row.body, row.ctype, row.hdr, wrong[rt.Scope]); code != http.StatusForbidden {
				t.Fatalf("with the wrong scope: %d %s, want 403", code, trim(body))
			}
			if row.other != 0 {
				code, body := do(method, row.path, row.body, row.ctype, row.hdr, other[rt.Scope])
				if code != row.other || (row.hidden != "" && strings.Contains(body, row.hidden)) {
					t.Fatalf("with another account's key: %d, want %d without %q: %s", code, row.other, row.hidden, trim(body))
				}
			}
			code, body := do(method, row.path, row.body, row.ctype, row.hdr, right[rt.Scope])
			if code != row.want || (row.hidden != "" && !strings.Contains(body, row.hidden)) {
				t.Fatalf("with the right key: %d %s, want %d (%s)", code, trim(body), row.want, row.note)
			}
		})
	}
	for p := range rows {
		if !seen[p] {
			t.Errorf("row %q matches no registered route (renamed or removed?)", p)
		}
	}
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }

func trim(s string) string {
	s = string(bytes.TrimSpace([]byte(s)))
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

var _ = io.Discard

// A write key limited to one account labels what it pushes with it, and
// may not push another account's data.
func TestWritesCarryTheKeysAccount(t *testing.T) {
	ctx := context.Background()
	a, err := app.New(ctx, testConfig(t), app.Options{Logger: logging.Discard()})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil { // the detection stage lists series
		t.Fatal(err)
	}
	defer a.Stop(ctx)
	_, k, err := a.Keys().CreateWith(ctx, apikey.Spec{Name: "shop", Scopes: []access.Scope{access.Write}, Accounts: []string{testAccount}})
	if err != nil {
		t.Fatal(err)
	}
	post := func(path, body string) (int, string) {
		req := httptest.NewRequest("POST", path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+k)
		rec := httptest.NewRecorder()
		a.Handler().ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	at := time.Now().UTC().Format(time.RFC3339)
	if code, body := post("/v1/events", `[{"time":"`+at+`","name":"a"},{"time":"`+at+`","name":"b","account":"`+otherAccount+`"}]`); code != 403 || !strings.Contains(body, `"field": "[1].account"`) {
		t.Fatalf("an event of another account = %d %s", code, body)
	}
	if code, body := post("/v1/events", `{"time":"`+at+`","name":"mine"}`); code != 202 {
		t.Fatalf("an event = %d %s", code, body)
	}
	page, err := a.Store().Events().List(ctx, store.EventFilter{})
	if err != nil || len(page.Events) != 1 || page.Events[0].Account != testAccount {
		t.Fatalf("events = %+v, %v; want one labelled %s", page.Events, err, testAccount)
	}
	if code, body := post("/v1/problems", `{"external_id":"x","state":"OPEN","title":"t","tags":{"account":"`+otherAccount+`"}}`); code != 403 || !strings.Contains(body, "tags.account") {
		t.Fatalf("a problem of another account = %d %s", code, body)
	}
	var rc struct {
		ProblemID string `json:"problem_id"`
	}
	code, body := post("/v1/problems", `{"external_id":"y","state":"OPEN","title":"t"}`)
	if json.Unmarshal([]byte(body), &rc); code != 202 {
		t.Fatalf("a problem = %d %s", code, body)
	}
	p, err := a.Store().Problems().Get(ctx, rc.ProblemID)
	if err != nil || !strings.Contains(string(p.Body), `"account":"`+testAccount+`"`) {
		t.Fatalf("problem = %s, %v; want it tagged with %s", p.Body, err, testAccount)
	}

	// Metrics: remote_write samples without an account get the key's;
	// a series of another account refuses the request.
	write := func(labels ...ingest.Label) int {
		body, err := remotewrite.Encode([]ingest.Sample{{Metric: "host_cpu_utilization", Labels: labels, TimeMs: time.Now().UnixMilli(), Value: 5}})
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest("POST", "/api/v1/write", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-protobuf")
		req.Header.Set("Content-Encoding", "snappy")
		req.Header.Set("Authorization", "Bearer "+k)
		rec := httptest.NewRecorder()
		a.Handler().ServeHTTP(rec, req)
		return rec.Code
	}
	if code := write(ingest.Label{Name: "account_id", Value: otherAccount}, ingest.Label{Name: "host", Value: "x"}); code != 403 {
		t.Fatalf("remote_write of another account = %d, want 403", code)
	}
	if code := write(ingest.Label{Name: "host", Value: "web-9"}, ingest.Label{Name: "zone", Value: "a"}); code != 204 {
		t.Fatalf("remote_write = %d, want 204", code)
	}
	reader := readKey(t, a)
	deadline := time.Now().Add(20 * time.Second)
	for {
		req := httptest.NewRequest("GET", "/v1/series?match=host_cpu_utilization", nil)
		req.Header.Set("Authorization", "Bearer "+reader)
		rec := httptest.NewRecorder()
		a.Handler().ServeHTTP(rec, req)
		if strings.Contains(rec.Body.String(), `"account": "`+testAccount+`"`) && strings.Contains(rec.Body.String(), "web-9") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the series lacks the key's account:\n%s", rec.Body.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
