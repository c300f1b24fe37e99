package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/catalog"
	"github.com/tendhq/tend/internal/catalog/embedded"
	"github.com/tendhq/tend/internal/cloud/dynatrace/dynatracetest"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlite"
)

// TestSelfHealingSurvivesSIGKILL runs tend serve as a binary, with a
// Dynatrace environment (the protocol fake) and the embedded catalog,
// while 200 hosts' CPU_SATURATION problems arrive, each delivered twice,
// and kills it with SIGKILL every 1–3 s, restarting it at once. A
// delivery is retried until tend answers 202. Afterwards every 202'd
// problem is in the store, every product has exactly one new version
// (two in all), every problem exactly one comment in Dynatrace, and no
// run is left pending, waiting or failed.
func TestSelfHealingSurvivesSIGKILL(t *testing.T) {
	bin := hostileBinary(t)
	const hosts = 200
	const approved = "/dynatrace/approvedinstancetypes"
	dt := dynatracetest.NewFake()
	defer dt.Close()
	pid := func(h int) string { return fmt.Sprintf("-%d_1V2", 7000+h) }
	for h := range hosts {
		hostID := fmt.Sprintf("HOST-%016X", 0xA000+h)
		name := fmt.Sprintf("ws-%d", h)
		dt.AddEntity(dynatracetest.EC2Host(hostID, name, fmt.Sprintf("i-%017x", h), "t3.small", map[string]string{"tend-product": name}))
		dt.AddProblem(dynatracetest.CPUSaturation(pid(h), fmt.Sprintf("P-%d", 1000+h), hostID, name))
	}

	work := t.TempDir()
	policies := filepath.Join(work, "policies")
	if err := os.MkdirAll(policies, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(policies, "upsize.yaml"), []byte(`name: upsize-on-cpu-saturation
match:
  source: dynatrace
  event_type: CPU_SATURATION
  entity_type: HOST
qualify:
  occurrences: 1
  within: 1h
act:
  action: upsize-instance
  params:
    approved_types_param: `+approved+`
    product_from: [tag]
mode: auto
guards:
  cooldown: 1h
`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgFile := filepath.Join(work, "tend.yaml")
	if err := os.WriteFile(cfgFile, []byte(fmt.Sprintf(`dynatrace:
  url: %s
  token: %s
  timeout: 5s
remediation:
  policy_dir: %s
  rate_limit: 0
  lease: 2s
  poll_interval: 200ms
`, dt.URL, dynatracetest.Token, policies)), 0o600); err != nil {
		t.Fatal(err)
	}

	// The catalog and the approved types, written before tend serves.
	data := filepath.Join(work, "data")
	ctx := context.Background()
	st, err := sqlite.Open(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	cat := embedded.New(st.Catalog(), nil)
	tmpl := []byte("Resources:\n  WS:\n    Type: AWS::EC2::Instance\n    Properties:\n      InstanceType: t3.small\n")
	for h := range hosts {
		if _, err := cat.Publish(ctx, fmt.Sprintf("ws-%d", h), catalog.Publish{Format: catalog.FormatCFNYAML, Template: tmpl}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Params().Set(ctx, approved, "t3.small,t3.medium,t3.large", time.Now()); err != nil {
		t.Fatal(err)
	}
	st.Close()

	s := &hostileServer{t: t, bin: bin, data: data}
	out, err := execOutput(bin, "apikey", "create", "--name", "dynatrace", "--data-dir", data)
	if err != nil {
		t.Fatalf("apikey create: %v", err)
	}
	s.key = strings.TrimSpace(out)
	s.addr = freeAddr(t)
	s.env = append(os.Environ(), "TEND_CONFIG="+cfgFile, "TEND_DATA_DIR="+data, "TEND_SERVER_LISTEN="+s.addr,
		"TEND_INGEST_HOST_ENABLED=false", "TEND_LOG_LEVEL=warn")
	s.start()
	defer func() {
		s.stop(syscall.SIGKILL)
		if t.Failed() {
			s.mu.Lock()
			t.Logf("tend's log (last 4 KiB):\n%s", hostileTail(s.log.String(), 4096))
			s.mu.Unlock()
		}
	}()
	s.waitReady(60 * time.Second)

	// The killer: SIGKILL every 1–3 s, restart at once.
	stopKilling := make(chan struct{})
	killerDone := make(chan int)
	var killed atomic.Int64
	go func() {
		kills := 0
		for {
			select {
			case <-stopKilling:
				killerDone <- kills
				return
			case <-time.After(time.Second + time.Duration(rand.IntN(2000))*time.Millisecond):
			}
			s.stop(syscall.SIGKILL)
			kills++
			killed.Add(1)
			s.start()
		}
	}()

	// Each problem twice: the second pass in another order, 4 senders,
	// paced so the deliveries span several kills.
	order := make([]int, 0, 2*hosts)
	for h := range hosts {
		order = append(order, h)
	}
	second := rand.Perm(hosts)
	order = append(order, second...)
	var next, accepted atomic.Int64
	client := &http.Client{Timeout: 5 * time.Second}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(len(order)) {
					return
				}
				body := fmt.Sprintf(`{"State":"OPEN","PID":%q,"ProblemTitle":"CPU saturation"}`, pid(order[i]))
				for {
					req, _ := http.NewRequest(http.MethodPost, "http://"+s.addr+"/v1/webhooks/dynatrace", strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("X-API-Key", s.key)
					resp, err := client.Do(req)
					if err == nil {
						resp.Body.Close()
						if resp.StatusCode == http.StatusAccepted {
							accepted.Add(1)
							break
						}
						if resp.StatusCode/100 == 4 {
							t.Errorf("webhook %s: %s", pid(order[i]), resp.Status)
							return
						}
					}
					time.Sleep(50 * time.Millisecond) // tend is down or restarting
				}
				time.Sleep(100 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	whileArriving := killed.Load()
	// Keep killing while the runs finish; then, if there were fewer than
	// 8 kills, more of them after everything is done (nothing may be redone).
	deadline := time.Now().Add(3 * time.Minute)
	for {
		done := 0
		for h := range hosts {
			if len(dt.Comments(pid(h))) > 0 {
				done++
			}
		}
		if done == hosts {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 3 minutes %d of %d problems have a comment", done, hosts)
		}
		time.Sleep(200 * time.Millisecond)
	}
	close(stopKilling)
	kills := <-killerDone
	for ; kills < 8; kills++ {
		time.Sleep(time.Second + time.Duration(rand.IntN(2000))*time.Millisecond)
		s.stop(syscall.SIGKILL)
		s.start()
	}
	// The last tend finishes what is left (a run whose lease a kill left
	// behind), then stops.
	s.waitReady(60 * time.Second)
	settle := time.Now().Add(60 * time.Second)
	for {
		req, _ := http.NewRequest(http.MethodGet, "http://"+s.addr+"/v1/runs?limit=1&state=pending", nil)
		req.Header.Set("X-API-Key", s.key)
		var v struct {
			Runs []struct{} `json:"runs"`
		}
		resp, err := client.Do(req)
		if err == nil {
			err = decodeJSON(resp, &v)
			if err == nil && len(v.Runs) == 0 {
				break
			}
		}
		if time.Now().After(settle) {
			t.Fatalf("runs still pending 60s after the last kill (%v)", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(3 * time.Second) // a lease or two: a resumed run would comment again now
	s.stop(syscall.SIGTERM)

	st, err = sqlite.Open(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for h := range hosts {
		p := pid(h)
		if _, err := st.Problems().Find(ctx, "dynatrace", p); err != nil {
			t.Errorf("problem %s (answered 202) not stored: %v", p, err)
		}
		if n := len(dt.Comments(p)); n != 1 {
			t.Errorf("problem %s has %d comments in Dynatrace, want 1", p, n)
		}
		vs, err := st.Catalog().Versions(ctx, fmt.Sprintf("ws-%d", h))
		if err != nil || len(vs) != 2 {
			t.Errorf("product ws-%d has %d versions (%v), want 2", h, len(vs), err)
		}
	}
	runs, err := st.Runs().List(ctx, store.RunFilter{Limit: 10 * hosts})
	if err != nil {
		t.Fatal(err)
	}
	states, outcomes := map[string]int{}, map[string]int{}
	acted := map[string]int{}
	for _, r := range runs {
		states[r.State]++
		outcomes[r.Outcome]++
		if r.Outcome == "acted" {
			acted[r.ProblemID]++
		}
		if r.State != store.RunDone {
			t.Errorf("run %s of problem %s is %s (%s %s)", r.ID, r.ProblemID, r.State, r.Outcome, r.Error)
		}
	}
	if len(acted) != hosts {
		t.Errorf("%d problems acted on, want %d", len(acted), hosts)
	}
	for p, n := range acted {
		if n != 1 {
			t.Errorf("problem %s acted on %d times", p, n)
		}
	}
	t.Logf("%d kills (%d while the deliveries arrived); %d deliveries answered 202 (%d sent); %d runs: states %v, outcomes %v; every problem stored, one comment and one new version each",
		kills, whileArriving, accepted.Load(), len(order), len(runs), states, outcomes)
}
