import './base.css';
import './billing.css';
