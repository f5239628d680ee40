# The reviewed projection of one NDJSON connection object.
select(.type == "connection") | {
  id: .mtls.connection_id,
  verdict: .mtls.verdict,
  failed: .mtls.failed,
  evidence: "\(.mtls.evidence) \(.mtls.evidence_steps | map(tostring) | join(","))",
  version: .tls.version,
  cipher: .tls.cipher,
  sni: .tls.client.server_name,
  resumed: .tls.resumed,
  decrypted: .mtls.decrypted,
  client_cert: (.tls.client.x509.subject.common_name // null),
  client_chain_valid: (if .mtls.chains.client then .mtls.chains.client.valid else null end),
  server_chain_valid: (if .mtls.chains.server then .mtls.chains.server.valid else null end),
  client_cv: (.mtls.certificate_verify.client.result // null),
  steps: [.mtls.steps[] | "\(.dir) \(.kind)\(if .alert then " " + .alert else "" end)\(if .kind == "certificate" then " " + ((.count // 0)|tostring) else "" end)"],
  findings: ([.mtls.findings[].code] | unique)
}
