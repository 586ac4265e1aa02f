{
  "serverHost": "www.example-weapp.com",
  "authServerUrl": "http://10.0.1.9/mina_auth/",
  "tunnelServerUrl": "https://tunnel.ws.qcloud.la",
  "tunnelSignatureKey": "REPLACE_WITH_TUNNEL_SIGNATURE_KEY",
  "networkTimeout": 30000
}
