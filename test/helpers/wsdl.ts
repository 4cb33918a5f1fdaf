/**
 * A small, valid WSDL 1.1 document (document/literal SOAP binding, one operation), named after the service it stands
 * for, for the tests that submit, validate or list a SOAP service's operations — and, with the options, call it
 * through the gateway as REST (test/soap-rest.test.ts): a typed answer, SOAP 1.2, or a construct the conversion
 * refuses spliced into the request's sequence.
 */
export function wsdl11({
  name,
  operation,
  typedAnswer = false,
  soapVersion = '1.1',
  inRequest = '',
}: {
  name: string;
  operation: string;
  /** The answer is a record — `hoTen` string, `tuoi` int, `conSong` boolean, `diaChi` repeated — not one string. */
  typedAnswer?: boolean;
  soapVersion?: '1.1' | '1.2';
  /** XSD spliced into the request element's sequence, after `so` (an `xs:any`, a complex `xs:choice`…). */
  inRequest?: string;
}): string {
  const ns = `urn:lgsp:${name.toLowerCase()}`;
  const soapNs =
    soapVersion === '1.2'
      ? 'http://schemas.xmlsoap.org/wsdl/soap12/'
      : 'http://schemas.xmlsoap.org/wsdl/soap/';
  const answer = typedAnswer
    ? `<xsd:element name="KetQua"><xsd:complexType><xsd:sequence>
        <xsd:element name="hoTen" type="xsd:string"/>
        <xsd:element name="tuoi" type="xsd:int"/>
        <xsd:element name="conSong" type="xsd:boolean"/>
        <xsd:element name="diaChi" type="xsd:string" minOccurs="0" maxOccurs="unbounded"/>
      </xsd:sequence></xsd:complexType></xsd:element>`
    : '<xsd:element name="KetQua" type="xsd:string"/>';
  return `<?xml version="1.0" encoding="UTF-8"?>
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="${soapNs}"
  xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:tns="${ns}" targetNamespace="${ns}">
  <wsdl:types>
    <xsd:schema targetNamespace="${ns}" elementFormDefault="qualified">
      <xsd:element name="TraCuu"><xsd:complexType><xsd:sequence>
        <xsd:element name="so" type="xsd:string"/>${inRequest}</xsd:sequence></xsd:complexType></xsd:element>
      ${answer}
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

/** A WSDL 2.0 document of one HTTP endpoint at `address` (where the provider says its service is). */
export function wsdl20(address: string): string {
  return `<description xmlns="http://www.w3.org/ns/wsdl" xmlns:tns="urn:lgsp:thue" targetNamespace="urn:lgsp:thue">
  <interface name="Thue"><operation name="TraCuu" pattern="http://www.w3.org/ns/wsdl/in-out"/></interface>
  <binding name="ThueHttp" interface="tns:Thue" type="http://www.w3.org/ns/wsdl/http"/>
  <service name="ThueService" interface="tns:Thue">
    <endpoint name="ThueEndpoint" binding="tns:ThueHttp" address="${address}"/>
  </service>
</description>
`;
}

/**
 * A large WSDL 1.1 of `n` document/literal operations (`Op0`…), each with its own request and answer records —
 * ≈ 1 KB per operation: 1,500 make the 1.5 MB document that held the gateway's event loop ≈ 0.9 s when read at once.
 */
export function bigWsdl(n: number): string {
  const ns = 'urn:lgsp:lon';
  const els: string[] = [];
  const msgs: string[] = [];
  const pt: string[] = [];
  const bd: string[] = [];
  for (let i = 0; i < n; i++) {
    els.push(`<xsd:element name="Op${i}"><xsd:complexType><xsd:sequence><xsd:element name="so" type="xsd:string"/><xsd:element name="nam" type="xsd:int"/></xsd:sequence></xsd:complexType></xsd:element>
<xsd:element name="Op${i}KQ"><xsd:complexType><xsd:sequence><xsd:element name="hoTen" type="xsd:string"/><xsd:element name="tuoi" type="xsd:int"/><xsd:element name="conSong" type="xsd:boolean"/><xsd:element name="diaChi" type="xsd:string" minOccurs="0" maxOccurs="unbounded"/></xsd:sequence></xsd:complexType></xsd:element>`);
    msgs.push(
      `<wsdl:message name="In${i}"><wsdl:part name="body" element="tns:Op${i}"/></wsdl:message><wsdl:message name="Out${i}"><wsdl:part name="body" element="tns:Op${i}KQ"/></wsdl:message>`,
    );
    pt.push(
      `<wsdl:operation name="Op${i}"><wsdl:input message="tns:In${i}"/><wsdl:output message="tns:Out${i}"/></wsdl:operation>`,
    );
    bd.push(
      `<wsdl:operation name="Op${i}"><soap:operation soapAction="urn:Op${i}"/><wsdl:input><soap:body use="literal"/></wsdl:input><wsdl:output><soap:body use="literal"/></wsdl:output></wsdl:operation>`,
    );
  }
  return `<?xml version="1.0" encoding="UTF-8"?>
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
  xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:tns="${ns}" targetNamespace="${ns}">
<wsdl:types><xsd:schema targetNamespace="${ns}" elementFormDefault="qualified">
${els.join('\n')}
</xsd:schema></wsdl:types>
${msgs.join('\n')}
<wsdl:portType name="Lon">${pt.join('\n')}</wsdl:portType>
<wsdl:binding name="LonSoap" type="tns:Lon"><soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
${bd.join('\n')}</wsdl:binding>
<wsdl:service name="LonService"><wsdl:port name="LonPort" binding="tns:LonSoap"><soap:address location="https://lon.example/ws"/></wsdl:port></wsdl:service>
</wsdl:definitions>`;
}
