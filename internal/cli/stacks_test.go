package cli

import (
	"context"
	"strings"
	"testing"

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
	page, err := s.Events().List(context.Background(), store.EventFilter{Resource: "i-0abc"})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Events) != 1 {
		t.Fatalf("events on i-0abc = %+v, want the import", page.Events)
	}
	if ev := page.Events[0]; ev.Name != ImportEventName || ev.Class != store.EventInfrastructure || ev.Stack != "shop" || len(ev.Resources) != 3 {
		t.Fatalf("event = %+v", ev)
	}
	code, _, errOut = runCLI(t, env, "stacks", "show", "nope")
	if code == 0 || !strings.Contains(errOut, `no stack "nope"`) {
		t.Fatalf("stacks show unknown = %d %q", code, errOut)
	}
}
