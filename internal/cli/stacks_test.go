package cli

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/tfimport"
)

func TestStoreBoundaryRegistrar(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"TEND_DATA_DIR": dir}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	g := &globals{lookupEnv: lookup}
	cmd := &cobra.Command{}
	reg, err := storeBoundaryRegistrar(cmd, g)
	if err != nil {
		t.Fatal(err)
	}
	// An insight ongoing on the web instance: the import that registers
	// it is announced to it (NEW_ASSOCIATION in the outbox).
	ctx := context.Background()
	st, _, err := g.openStore(ctx, cmd)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().UTC().Add(-10 * time.Minute)
	in := store.Insight{ID: "ins-web", Type: store.InsightReactive, Status: store.InsightOngoing, Severity: store.SeverityHigh,
		BoundaryKey: "stack::shop::ins-web", BoundaryKind: "stack", BoundaryName: "shop", Subject: "ins-web",
		Resources: []store.InsightResource{{ID: "i-0abc", Name: "i-0abc"}}, StartedAt: start, CreatedAt: start, UpdatedAt: start}
	if err := st.Insights().Create(ctx, in); err != nil {
		t.Fatal(err)
	}
	st.Close()
	res := []tfimport.StackResource{
		{Type: "AWS::EC2::Instance", LogicalID: "AwsInstanceWeb0", PhysicalID: "i-0abc", TerraformAddress: "aws_instance.web[0]"},
		{Type: "AWS::SQS::Queue", LogicalID: "AwsSqsQueueJobs", PhysicalID: "https://sqs.eu-west-1.amazonaws.com/1/jobs", ARN: "arn:aws:sqs:eu-west-1:1:jobs"},
	}
	if err := reg.RegisterStack(context.Background(), "shop", res); err != nil {
		t.Fatal(err)
	}
	// Registering the same import again is safe: one event.
	if err := reg.RegisterStack(context.Background(), "shop", res); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, env, "stacks", "list")
	if code != 0 || !strings.Contains(out, "shop") || !strings.Contains(out, "2") {
		t.Fatalf("stacks list = %d %q %q", code, out, errOut)
	}
	code, out, _ = runCLI(t, env, "stacks", "show", "shop")
	if code != 0 || !strings.Contains(out, "i-0abc") || !strings.Contains(out, "aws_instance.web[0]") {
		t.Fatalf("stacks show = %d %q", code, out)
	}
	// The import is one of tend's own change events, on the stack and
	// its resources.
	s, _, err := g.openStore(context.Background(), cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	page, err := s.Events().List(context.Background(), store.EventFilter{Resource: "i-0abc"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Events) != 1 {
		t.Fatalf("events on i-0abc = %+v, want the import", page.Events)
	}
	if ev := page.Events[0]; ev.Name != ImportEventName || ev.Class != store.EventInfrastructure || ev.Stack != "shop" || len(ev.Resources) != 3 {
		t.Fatalf("event = %+v", ev)
	}
	var told []store.Notification
	if _, err := s.Outbox().FanOut(context.Background(), 100, func(n store.Notification) []store.Route { told = append(told, n); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(told) != 1 || told[0].Type != "NEW_ASSOCIATION" || told[0].Subject != "ins-web" || !strings.Contains(string(told[0].Body), ImportEventName) {
		t.Fatalf("outbox after the import = %+v, want one NEW_ASSOCIATION of ins-web naming the import", told)
	}
	code, _, errOut = runCLI(t, env, "stacks", "show", "nope")
	if code == 0 || !strings.Contains(errOut, `no stack "nope"`) {
		t.Fatalf("stacks show unknown = %d %q", code, errOut)
	}
}
