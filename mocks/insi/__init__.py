"""Mock of the INSi téléservice (CNAM), speaking its WSDL 1.5.0 SOAP 1.2 protocol."""
