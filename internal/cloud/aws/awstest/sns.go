package awstest

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// SNSMessage is a message published to a topic of the fake.
type SNSMessage struct {
	MessageID       string
	TopicARN        string
	Message         string
	Subject         string
	Attributes      map[string]string // name → StringValue
	DeduplicationID string
	GroupID         string
}

// CreateTopic creates an SNS topic and returns its ARN.
func (f *Fake) CreateTopic(name string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	arn := fmt.Sprintf("arn:aws:sns:%s:%s:%s", Region, Account, name)
	if f.topics == nil {
		f.topics = map[string][]SNSMessage{}
	}
	if _, ok := f.topics[arn]; !ok {
		f.topics[arn] = nil
	}
	return arn
}

// Published returns the messages published to a topic, in order.
func (f *Fake) Published(arn string) []SNSMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]SNSMessage(nil), f.topics[arn]...)
}

// isSNS reports whether a query-protocol request is for SNS.
func isSNS(r *http.Request) bool {
	if err := r.ParseForm(); err != nil {
		return false
	}
	return r.PostForm.Get("Version") == "2010-03-31"
}

// serveSNS handles SNS's query protocol: Publish and PublishBatch.
func (f *Fake) serveSNS(w http.ResponseWriter, r *http.Request) {
	form := r.PostForm
	action := form.Get("Action")
	if action != "Publish" && action != "PublishBatch" {
		writeSNSError(w, http.StatusBadRequest, "InvalidAction", "The action "+action+" is not valid for this fake")
		return
	}
	flt, failing := f.begin(action)
	if failing && !flt.after {
		writeSNSError(w, flt.status, flt.code, "injected failure")
		return
	}
	arn := form.Get("TopicArn")
	f.mu.Lock()
	_, known := f.topics[arn]
	f.mu.Unlock()
	if !known {
		writeSNSError(w, http.StatusNotFound, "NotFound", "Topic does not exist")
		return
	}
	fifo := strings.HasSuffix(arn, ".fifo")
	var entries []SNSMessage
	var ids []string
	if action == "Publish" {
		entries = append(entries, snsEntry(form, ""))
		ids = append(ids, "")
	} else {
		for i := 1; ; i++ {
			p := "PublishBatchRequestEntries.member." + strconv.Itoa(i) + "."
			if form.Get(p+"Id") == "" {
				break
			}
			entries = append(entries, snsEntry(form, p))
			ids = append(ids, form.Get(p+"Id"))
		}
		if len(entries) == 0 || len(entries) > 10 {
			writeSNSError(w, http.StatusBadRequest, "TooManyEntriesInBatchRequest", fmt.Sprintf("a batch holds 1 to 10 entries, got %d", len(entries)))
			return
		}
	}
	for _, e := range entries {
		if e.Message == "" {
			writeSNSError(w, http.StatusBadRequest, "InvalidParameter", "Invalid parameter: Message")
			return
		}
		if len(e.Message) > 256*1024 {
			writeSNSError(w, http.StatusBadRequest, "InvalidParameter", "Invalid parameter: Message too long")
			return
		}
		if fifo && (e.GroupID == "" || e.DeduplicationID == "") {
			writeSNSError(w, http.StatusBadRequest, "InvalidParameter", "Invalid parameter: a FIFO topic needs MessageGroupId and MessageDeduplicationId")
			return
		}
	}
	f.mu.Lock()
	for i := range entries {
		f.seq++
		entries[i].MessageID = fmt.Sprintf("%08x-0000-4000-8000-%012x", f.seq, f.seq*7919)
		entries[i].TopicARN = arn
		f.topics[arn] = append(f.topics[arn], entries[i])
	}
	f.mu.Unlock()
	if failing {
		writeSNSError(w, flt.status, flt.code, "injected failure after publishing")
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	if action == "Publish" {
		fmt.Fprintf(w, `<PublishResponse xmlns="%s"><PublishResult><MessageId>%s</MessageId></PublishResult><ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></PublishResponse>`,
			snsNamespace, entries[0].MessageID, requestID())
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<PublishBatchResponse xmlns="%s"><PublishBatchResult><Successful>`, snsNamespace)
	for i, e := range entries {
		b.WriteString("<member><Id>")
		_ = xml.EscapeText(&b, []byte(ids[i]))
		fmt.Fprintf(&b, "</Id><MessageId>%s</MessageId></member>", e.MessageID)
	}
	fmt.Fprintf(&b, `</Successful><Failed/></PublishBatchResult><ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></PublishBatchResponse>`, requestID())
	_, _ = w.Write([]byte(b.String()))
}

const snsNamespace = "http://sns.amazonaws.com/doc/2010-03-31/"

func snsEntry(form url.Values, p string) SNSMessage {
	e := SNSMessage{Message: form.Get(p + "Message"), Subject: form.Get(p + "Subject"), Attributes: map[string]string{},
		DeduplicationID: form.Get(p + "MessageDeduplicationId"), GroupID: form.Get(p + "MessageGroupId")}
	for i := 1; ; i++ {
		a := p + "MessageAttributes.entry." + strconv.Itoa(i) + "."
		name := form.Get(a + "Name")
		if name == "" {
			break
		}
		e.Attributes[name] = form.Get(a + "Value.StringValue")
	}
	return e
}

func writeSNSError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	var m strings.Builder
	_ = xml.EscapeText(&m, []byte(msg))
	fault := "Sender"
	if status >= 500 {
		fault = "Receiver"
	}
	fmt.Fprintf(w, `<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>`,
		snsNamespace, fault, code, m.String(), requestID())
}
