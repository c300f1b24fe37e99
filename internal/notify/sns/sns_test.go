package sns_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/cloud/aws/awstest"
	"github.com/tendhq/tend/internal/notify"
	"github.com/tendhq/tend/internal/notify/message"
	"github.com/tendhq/tend/internal/notify/sns"
)

func msg(i int, insight string) message.Message {
	return message.Message{MessageId: fmt.Sprintf("%s.%d.NEW_ASSOCIATION", insight, i), MessageType: message.NewAssociation, InsightId: insight,
		AccountId: "111122223333", Region: "eu-west-1", InsightType: "REACTIVE", InsightSeverity: "high", ProblemType: "CPU_SATURATION",
		InsightDescription: "CPU utilisation anomalous on host web-1 (stack shop)", StartTime: 1_795_262_400_000, Time: 1_795_262_410_000 + int64(i),
		Anomalies: []message.Anomaly{{Id: "ano-1", StartTime: 1_795_262_400_000, SourceDetails: []message.SourceDetail{{DataSource: "TEND_METRICS",
			DataIdentifiers: message.DataIdentifiers{Name: "host_cpu_utilization", Namespace: "node", Period: "10", Stat: "Average", Unit: "percent", Dimensions: `{"instance":"web-1"}`}}}}}}
}

// TestPublish: the real SDK client against the SNS protocol fake: one
// message is one Publish whose body is the DevOps Guru–shaped message; a
// batch of 23 is three PublishBatch calls; a FIFO topic gets the message
// id as deduplication id and the insight as group.
func TestPublish(t *testing.T) {
	f := awstest.NewFake()
	defer f.Close()
	topic := f.CreateTopic("tend-insights")
	ch := sns.New(notify.Spec{TopicARN: topic, EndpointURL: f.URL}, f.AWSConfig())
	ctx := context.Background()
	if err := ch.Notify(ctx, notify.Batch{Messages: []message.Message{msg(0, "ins-A")}}); err != nil {
		t.Fatal(err)
	}
	got := f.Published(topic)
	if len(got) != 1 || f.Calls("Publish") != 1 {
		t.Fatalf("published %d (Publish calls %d)", len(got), f.Calls("Publish"))
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(got[0].Message), &body); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"AccountId", "Region", "MessageType", "InsightId", "InsightType", "InsightDescription", "InsightSeverity", "StartTime", "Anomalies"} {
		if _, ok := body[k]; !ok {
			t.Errorf("message body lacks %s: %s", k, got[0].Message)
		}
	}
	if got[0].Attributes["MessageType"] != "NEW_ASSOCIATION" || got[0].Attributes["InsightSeverity"] != "high" || got[0].Subject == "" {
		t.Errorf("attributes %v, subject %q", got[0].Attributes, got[0].Subject)
	}
	var many []message.Message
	for i := range 23 {
		many = append(many, msg(i, "ins-B"))
	}
	if err := ch.Notify(ctx, notify.Batch{Messages: many}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.Published(topic)); n != 24 || f.Calls("PublishBatch") != 3 {
		t.Fatalf("published %d, PublishBatch calls %d; want 24 and 3", n, f.Calls("PublishBatch"))
	}

	fifo := f.CreateTopic("tend-insights.fifo")
	fch := sns.New(notify.Spec{TopicARN: fifo, EndpointURL: f.URL}, f.AWSConfig())
	if err := fch.Notify(ctx, notify.Batch{Messages: []message.Message{msg(1, "ins-C"), msg(2, "ins-C")}}); err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Published(fifo) {
		if p.GroupID != "ins-C" || p.DeduplicationID == "" {
			t.Errorf("FIFO message: group %q dedup %q", p.GroupID, p.DeduplicationID)
		}
	}
}

// TestPublishErrors: an unknown topic is permanent; throttling and server
// errors are retried.
func TestPublishErrors(t *testing.T) {
	f := awstest.NewFake()
	defer f.Close()
	ctx := context.Background()
	missing := sns.New(notify.Spec{TopicARN: "arn:aws:sns:eu-west-1:123456789012:nope", EndpointURL: f.URL}, f.AWSConfig())
	err := missing.Notify(ctx, notify.Batch{Messages: []message.Message{msg(0, "ins-A")}})
	var ne *notify.Error
	if !errors.As(err, &ne) || !ne.Permanent {
		t.Fatalf("unknown topic: %v, want permanent", err)
	}
	topic := f.CreateTopic("t")
	f.Fail("Publish", 5, 500, "InternalError")
	ch := sns.New(notify.Spec{TopicARN: topic, EndpointURL: f.URL}, f.AWSConfig())
	err = ch.Notify(ctx, notify.Batch{Messages: []message.Message{msg(0, "ins-A")}})
	if err == nil || (errors.As(err, &ne) && ne.Permanent) {
		t.Fatalf("server error: %v, want a retryable error", err)
	}
	_ = time.Second
}
