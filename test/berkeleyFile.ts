/**
 * A valid SIS file in the shape Berkeley's loader writes (alma-user-load): segment_type="Internal"
 * on every segment, full_name and account_type (which the SIS load ignores), empty elements,
 * pref_full_name (newer than Alma's XSD), some users already expired. Every user is loadable;
 * what the validator says about them is the same harmless pattern again and again.
 */
export function berkeleyStyleFile(users: number, options: { readonly errorEvery?: number } = {}): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n<users>\n'];
  for (let i = 0; i < users; i++) {
    const id = String(10_000_000 + i);
    // One user in `errorEvery` carries an empty identifier value: Alma rejects it.
    const bad = options.errorEvery !== undefined && i % options.errorEvery === options.errorEvery - 1;
    const expiry = i % 4 === 0 ? '2020-02-11' : '2500-02-11';
    out.push(`<user>
  <record_type>PUBLIC</record_type>
  <primary_id>${id}</primary_id>
  <first_name>First${i}</first_name>
  <middle_name/>
  <last_name>Last${i}</last_name>
  <full_name>First${i} Last${i}</full_name>
  <user_group>UNDERGRAD</user_group>
  <expiry_date>${expiry}</expiry_date>
  <purge_date>2501-02-11</purge_date>
  <account_type>EXTERNAL</account_type>
  <status>ACTIVE</status>
  <contact_info>
    <addresses>
      <address preferred="true" segment_type="Internal">
        <line1>${i} Sproul Hall</line1>
        <city>Berkeley</city>
        <postal_code>94720</postal_code>
        <address_types>
          <address_type>home</address_type>
        </address_types>
      </address>
    </addresses>
    <emails>
      <email preferred="true" segment_type="Internal">
        <email_address>u${id}@berkeley.edu</email_address>
        <email_types>
          <email_type>personal</email_type>
        </email_types>
      </email>
    </emails>
  </contact_info>
  <user_identifiers>
    <user_identifier segment_type="Internal">
      <id_type>BARCODE</id_type>
      <value>${bad ? '' : `B${id}`}</value>
      <status>ACTIVE</status>
    </user_identifier>
  </user_identifiers>
  <pref_first_name>F${i}</pref_first_name>
  <pref_full_name>F${i} Last${i}</pref_full_name>
</user>
`);
  }
  out.push('</users>\n');
  return out.join('');
}
