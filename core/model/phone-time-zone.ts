import { getCountry, getTimezone } from "countries-and-timezones";
import { parsePhoneNumberFromString } from "libphonenumber-js";

/**
 * The time zone a phone number tells, when its country has one (Belarus, Germany, Armenia …);
 * undefined for a country of several (Russia, Kazakhstan, the USA): the flow's zone applies then.
 * A zone counts for the country it is the main zone of (Europe/Zurich also serves a German
 * enclave, but is Switzerland's).
 */
export function phoneTimeZone(phone: string): string | undefined {
  const country = parsePhoneNumberFromString(phone)?.country;
  if (!country) return undefined;
  const own = (getCountry(country)?.timezones ?? []).filter((zone) => getTimezone(zone)?.countries[0] === country);
  return own.length === 1 ? own[0] : undefined;
}
