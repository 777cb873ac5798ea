/** Whether `time` is a time of day written "HH:MM" (24 h), as flows write them. */
export function isTimeOfDay(time: string): boolean {
  return /^([01]\d|2[0-3]):[0-5]\d$/.test(time);
}
