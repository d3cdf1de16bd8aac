package main

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"
)

// BenchmarkWebSub_DeliveryToThreeReplicas: a signed fat delivery to one
// of three replicas on one Redis, until every replica serves the new
// story; p50 and p99 of that time are reported.
func BenchmarkWebSub_DeliveryToThreeReplicas(b *testing.B) {
	f := startPushFleet(b, redisStore(b), 3, 3600)
	self := f.partner.self()
	waitFor(b, "the first story", f.logs, f.everywhere(b, "Pushed story 1"))
	var took []time.Duration
	n := 1
	for b.Loop() {
		n++
		story := fmt.Sprintf("Pushed story %d<", n)
		start := time.Now()
		if codes := f.hub.Deliver(self, f.partner.feed(n, ""), "application/atom+xml", "sha256", ""); len(codes) != 1 || codes[0] != http.StatusAccepted {
			b.Fatalf("delivery answered %v", codes)
		}
		served := f.everywhere(b, story)
		for !served() {
			if time.Since(start) > 15*time.Second {
				b.Fatalf("story %d not served everywhere", n)
			}
			time.Sleep(time.Millisecond)
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	pct := func(p float64) float64 { return float64(took[int(p*float64(len(took)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
