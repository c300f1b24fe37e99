package embedded_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/catalog"
	"github.com/tendhq/tend/internal/catalog/embedded"
	"github.com/tendhq/tend/internal/notify/message"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlstore"
	"github.com/tendhq/tend/internal/store/storetest"
)

// TestRollbackNotifies: rolling back undoes the versions self-healing
// runs published after the target; each such run's RUN_ROLLED_BACK
// message commits with the rollback's version, once.
func TestRollbackNotifies(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) { testRollbackNotifies(t, b.Open(t)) })
	}
}

func testRollbackNotifies(t *testing.T, st *sqlstore.DB) {
	ctx := context.Background()
	c := embedded.New(st.Catalog(), func() time.Time { return time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC) })
	for i, key := range []string{"", catalog.RunKey("run-1"), catalog.RunKey("run-2"), ""} {
		tmpl := fmt.Sprintf("Resources:\n  Box:\n    Type: AWS::EC2::Instance\n    Properties:\n      InstanceType: t3.size%d\n", i)
		if _, err := c.Publish(ctx, "workstation", catalog.Publish{Template: []byte(tmpl), Format: catalog.FormatCFNYAML, IdempotencyKey: key}); err != nil {
			t.Fatal(err)
		}
	}
	v, err := c.Rollback(ctx, "workstation", "v1")
	if err != nil || v.ID != "v5" {
		t.Fatalf("Rollback = %+v, %v", v, err)
	}
	if _, err := c.Rollback(ctx, "workstation", "v1"); err != nil { // v6: the runs were told already
		t.Fatal(err)
	}
	var got []string
	if _, err := st.Outbox().FanOut(ctx, 100, func(n store.Notification) []store.Route {
		m, err := message.Decode(n)
		if err != nil || m.Run == nil {
			t.Fatalf("message %s: %+v, %v", n.ID, m, err)
		}
		got = append(got, n.ID+" "+m.Run.Product+" "+m.Run.Version+" "+m.Title())
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"run-1.RUN_ROLLED_BACK workstation v2 Rolled back: workstation v2, published by self-healing run run-1, rolled back to the template of v1",
		"run-2.RUN_ROLLED_BACK workstation v3 Rolled back: workstation v3, published by self-healing run run-2, rolled back to the template of v1",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("outbox holds\n%q\nwant\n%q", got, want)
	}
}
