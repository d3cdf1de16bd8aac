package main

import "syndicate"

// ApplyPartners makes the feed server use ps (every partner profile).
func (r *server) ApplyPartners(ps []syndicate.Partner) { r.feeds.SetPartners(ps) }
