import { beautySalonWords } from "./trade-lexicons/beauty-salon.ts";
import { carElectronicsRepairWords } from "./trade-lexicons/car-electronics-repair.ts";
import { clothingShoesWords } from "./trade-lexicons/clothing-shoes.ts";
import { dentalClinicWords } from "./trade-lexicons/dental-clinic.ts";
import { eventsTicketsWords } from "./trade-lexicons/events-tickets.ts";
import { fitnessWords } from "./trade-lexicons/fitness.ts";
import { foodDeliveryWords } from "./trade-lexicons/food-delivery.ts";
import { furnitureHomeWords } from "./trade-lexicons/furniture-home.ts";
import { groceryFlowersWords } from "./trade-lexicons/grocery-flowers.ts";
import { hotelGuesthouseWords } from "./trade-lexicons/hotel-guesthouse.ts";
import { kidsTutoringWords } from "./trade-lexicons/kids-tutoring.ts";
import { medicalClinicWords } from "./trade-lexicons/medical-clinic.ts";
import { onlineCoursesWords } from "./trade-lexicons/online-courses.ts";
import { travelToursWords } from "./trade-lexicons/travel-tours.ts";
import { veterinaryPetsWords } from "./trade-lexicons/veterinary-pets.ts";

/**
 * The words of fifteen trades — clinics, salons, gyms, food, flowers, schools, events, stays,
 * travel, furniture, clothes, repairs — as groups of one meaning each, like the general
 * lexicon's: «заморозка» is «анестезия» at a dentist's, «корочка» a certificate at a school.
 * The FAQ matcher reads them all: a group counts only where the knowledge base has one of its
 * words too, so a dentist's terms cost a furniture shop nothing. Written in session 15 by
 * helpers given only the trades and the format, who saw neither the matcher nor any labelled
 * question (docs/faq-evaluation.md says what they did to the figures).
 */
export const tradeLexicons: string[][] = [
  ...beautySalonWords,
  ...carElectronicsRepairWords,
  ...clothingShoesWords,
  ...dentalClinicWords,
  ...eventsTicketsWords,
  ...fitnessWords,
  ...foodDeliveryWords,
  ...furnitureHomeWords,
  ...groceryFlowersWords,
  ...hotelGuesthouseWords,
  ...kidsTutoringWords,
  ...medicalClinicWords,
  ...onlineCoursesWords,
  ...travelToursWords,
  ...veterinaryPetsWords,
];
