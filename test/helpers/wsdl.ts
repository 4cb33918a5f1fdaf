/**
 * A small, valid WSDL 1.1 document (document/literal SOAP binding, one operation), named after the service it stands
 * for, for the tests that submit, validate or list a SOAP service's operations.
 */
export function wsdl11({ name, operation }: { name: string; operation: string }): string {
  const ns = `urn:lgsp:${name.toLowerCase()}`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
  xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:tns="${ns}" targetNamespace="${ns}">
  <wsdl:types>
    <xsd:schema targetNamespace="${ns}">
      <xsd:element name="TraCuu"><xsd:complexType><xsd:sequence>
        <xsd:element name="so" type="xsd:string"/></xsd:sequence></xsd:complexType></xsd:element>
      <xsd:element name="KetQua" type="xsd:string"/>
    </xsd:schema>
  </wsdl:types>
  <wsdl:message name="YeuCau"><wsdl:part name="body" element="tns:TraCuu"/></wsdl:message>
  <wsdl:message name="TraLoi"><wsdl:part name="body" element="tns:KetQua"/></wsdl:message>
  <wsdl:portType name="${name}">
    <wsdl:operation name="${operation}">
      <wsdl:input message="tns:YeuCau"/>
      <wsdl:output message="tns:TraLoi"/>
    </wsdl:operation>
  </wsdl:portType>
  <wsdl:binding name="${name}Soap" type="tns:${name}">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <wsdl:operation name="${operation}"><soap:operation soapAction="urn:${operation}"/>
      <wsdl:input><soap:body use="literal"/></wsdl:input><wsdl:output><soap:body use="literal"/></wsdl:output>
    </wsdl:operation>
  </wsdl:binding>
  <wsdl:service name="${name}Service">
    <wsdl:port name="${name}Port" binding="tns:${name}Soap"><soap:address location="https://${name.toLowerCase()}.example/ws"/></wsdl:port>
  </wsdl:service>
</wsdl:definitions>
`;
}
